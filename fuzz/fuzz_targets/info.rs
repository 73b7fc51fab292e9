//! `cogtool info` on arbitrary bytes: the description as JSON and text.
#![no_main]
#[path = "common.rs"]
mod common;
use cogtool::read::describe::Description;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let t = match common::open(data) {
        Ok(t) => t,
        Err(e) => return common::one_line(&e),
    };
    match Description::new("fuzz.tif", &t) {
        Ok(d) => {
            let _ = d.to_json(false).to_string();
            let _ = d.to_text(false);
            let _ = d.to_json(true);
        }
        Err(e) => common::one_line(&e),
    }
});
