//! Block (tile/strip) lookup as `dump` does it: offset and byte count of
//! blocks picked by the input, and the whole strile arrays.
#![no_main]
#[path = "common.rs"]
mod common;
use cogtool::tiff::Image;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(t) = common::open(data) else { return };
    let Ok(images) = Image::all(&t) else { return };
    // The last 8 bytes choose a block index, so the fuzzer can aim anywhere.
    let pick = data.len().checked_sub(8).map(|s| u64::from_le_bytes(data[s..].try_into().unwrap())).unwrap_or(0);
    for img in &images {
        for i in [0, pick, pick % img.blocks.max(1), img.blocks.saturating_sub(1)] {
            if let Err(e) = img.block(&t, i) {
                common::one_line(&e);
            }
        }
        let _ = img.block_decoded_bytes();
        if let Err(e) = img.block_arrays(&t) {
            common::one_line(&e);
        }
    }
});
