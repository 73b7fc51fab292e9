//! `cogtool validate` on arbitrary bytes: GDAL rules or rio-cogeo rules
//! (first byte), with the full tile check (leaders, trailers, order).
#![no_main]
#[path = "common.rs"]
mod common;
use cogtool::read::validate::{FullCheck, Options, Rules, validate_reader};
use cogtool::source::Reader;
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let rules = if data.first().is_some_and(|b| b & 1 == 1) { Rules::Rio } else { Rules::Gdal };
    let reader = Arc::new(Reader::new(Arc::new(cogtool::source::MemSource::new(data.to_vec())), 16 * 1024, false));
    let opts = Options { rules, full_check: FullCheck::Yes };
    match validate_reader("fuzz.tif", reader, &opts, &|_| None) {
        Ok(report) => {
            let _ = report.to_json(false).to_string();
            let _ = report.to_text(true, 3);
        }
        Err(e) => common::one_line(&e),
    }
});
