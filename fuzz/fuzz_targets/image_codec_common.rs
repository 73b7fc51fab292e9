//! Shared by the JPEG and WebP targets. Unlike the lossless decoders, these
//! check the stream's frame size against the block, so the layout comes from
//! an 8-byte head that can describe real tiles (up to 1024 x 1024):
//! width and height (u16 LE, modulo 1024, plus 1), samples, photometric, and
//! how many leading stream bytes are the JPEGTables tag (u16 LE, 0 = none).
#![allow(dead_code)]

use cogtool::codec::BlockLayout;
use cogtool::tiff::{Photometric, Predictor};
use cogtool::tiff::{ByteOrder, SampleFormat};

#[path = "decode_common.rs"]
mod decode_common;

pub fn run(compression: u16, samples: &[usize], data: &[u8]) {
    if data.len() < 8 {
        return;
    }
    let h = &data[..8];
    let width = 1 + u16::from_le_bytes([h[0], h[1]]) as usize % 1024;
    let height = 1 + u16::from_le_bytes([h[2], h[3]]) as usize % 1024;
    let tables_len = u16::from_le_bytes([h[6], h[7]]) as usize;
    let mut stream = &data[8..];
    let mut tables = None;
    if tables_len > 0 && tables_len <= stream.len() {
        tables = Some(stream[..tables_len].to_vec());
        stream = &stream[tables_len..];
    }
    let layout = BlockLayout {
        width,
        height,
        samples: samples[h[4] as usize % samples.len()],
        bits_per_sample: 8,
        sample_format: SampleFormat::Uint,
        byte_order: ByteOrder::Little,
        predictor: Predictor::NONE,
        photometric: Photometric([1u16, 2, 6][h[5] as usize % 3]),
        jpeg_tables: tables,
    };
    decode_common::check(compression, stream, &layout);
}
