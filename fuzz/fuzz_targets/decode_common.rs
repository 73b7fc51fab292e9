//! Shared by the decoder targets: the first 8 input bytes choose the block
//! layout, the rest is the compressed stream. Small blocks only (at most
//! 64 x 64 x 4 samples x 64 bits = 128 KiB decoded), so the fuzzer spends
//! its time in the decoder, not in memset.
#![allow(dead_code)]

use cogtool::codec::{BlockLayout, decode};
use cogtool::tiff::{Compression, Photometric, Predictor};
use cogtool::tiff::{ByteOrder, SampleFormat};

pub fn layout(head: &[u8; 8], jpeg_tables: Option<Vec<u8>>) -> BlockLayout {
    let bits = [1u16, 2, 4, 8, 12, 16, 24, 32, 64][head[3] as usize % 9];
    let sample_format = match head[5] % 3 {
        0 => SampleFormat::Uint,
        1 => SampleFormat::Int,
        _ => SampleFormat::Float,
    };
    BlockLayout {
        width: 1 + head[0] as usize % 64,
        height: 1 + head[1] as usize % 64,
        samples: 1 + head[2] as usize % 4,
        bits_per_sample: bits,
        sample_format,
        byte_order: if head[5] & 0x80 != 0 { ByteOrder::Big } else { ByteOrder::Little },
        predictor: Predictor(1 + (head[4] % 3) as u16),
        photometric: Photometric([1u16, 2, 6][head[6] as usize % 3]),
        jpeg_tables,
    }
}

/// Decode; on success the output must be exactly the size the layout says.
pub fn run(compression: u16, data: &[u8]) {
    if data.len() < 8 {
        return;
    }
    let head: [u8; 8] = data[..8].try_into().unwrap();
    let l = layout(&head, None);
    check(compression, &data[8..], &l);
}

pub fn check(compression: u16, stream: &[u8], l: &BlockLayout) {
    let expected = (l.width * l.samples * l.bits_per_sample as usize).div_ceil(8) * l.height;
    match decode(Compression(compression), stream, l) {
        Ok(out) => assert_eq!(out.len(), expected, "decoded size differs from the layout's"),
        Err(e) => assert!(!e.message.is_empty() && !e.message.contains('\n'), "bad error {:?}", e.message),
    }
}
