//! Header and IFD chain parsing, then every tag value (eager or lazy).
#![no_main]
#[path = "common.rs"]
mod common;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match common::open(data) {
        Ok(t) => {
            for ifd in &t.ifds {
                for e in &ifd.entries {
                    if let Err(err) = t.entry_value(e) {
                        common::one_line(&err);
                    }
                    let _ = t.entry_u64_at(e, 0);
                    let _ = t.entry_u64_range(e, 0, e.count.min(4));
                }
            }
        }
        Err(e) => common::one_line(&e),
    }
});
