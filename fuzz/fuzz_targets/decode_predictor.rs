//! Decoder: compression 1. First 8 bytes choose the block layout
//! (size, samples, bits, predictor, byte order), the rest is the stream.
#![no_main]
#[path = "decode_common.rs"]
mod decode_common;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| decode_common::run(1, data));
