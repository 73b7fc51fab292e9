//! Decoder: compression 50001 (WebP, vendored libwebp), RGB and RGBA.
//! The 8-byte head is described in image_codec_common.rs.
#![no_main]
#[path = "image_codec_common.rs"]
mod image_codec_common;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| image_codec_common::run(50001, &[3, 4], data));
