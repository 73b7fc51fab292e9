//! Decoder: compression 7 (JPEG, libjpeg-turbo code via mozjpeg-sys), with or without JPEGTables.
//! The 8-byte head is described in image_codec_common.rs.
#![no_main]
#[path = "image_codec_common.rs"]
mod image_codec_common;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| image_codec_common::run(7, &[1, 3], data));
