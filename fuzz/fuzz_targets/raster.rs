//! The read side of `create`: decode rows of every image through
//! RasterReader (all codecs, predictors, planar, edge blocks), for images
//! small enough that a correct decode fits the fuzzer's memory.
#![no_main]
#[path = "common.rs"]
mod common;
use cogtool::raster::RasterReader;
use cogtool::tiff::Image;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(t) = common::open(data) else { return };
    let Ok(images) = Image::all(&t) else { return };
    for img in images.iter().take(4) {
        // Row buffers and blocks of legitimate size only: a 2^20-pixel-wide
        // image really needs its row buffer.
        let row = img.width.saturating_mul(img.samples).saturating_mul(16);
        if row > 4 << 20 || img.block_decoded_bytes() > 16 << 20 {
            continue;
        }
        let r = match RasterReader::new(&t, img) {
            Ok(r) => r,
            Err(e) => {
                common::one_line(&e);
                continue;
            }
        };
        let y1 = img.height.min(img.block_height.saturating_add(1)).min(64);
        if let Err(e) = r.read_rows(0, y1) {
            common::one_line(&e);
        }
    }
});
