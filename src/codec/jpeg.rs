//! JPEG (TIFF 7, "new-style"), as libtiff's JPEG codec does it for GDAL,
//! over the same library family (libjpeg-turbo's code, via [`super::libjpeg`]).
//!
//! TIFF stores JPEG blocks as abbreviated streams: tables live once in the
//! JPEGTables tag (SOI, DQT and/or DHT, EOI) and each block keeps SOI, its
//! remaining tables, SOF, SOS, the scan and EOI. Decoding splices the two
//! back into one stream. With photometric YCbCr the decoder converts to RGB
//! (libtiff's JPEGCOLORMODE=RGB, what GDAL reads: fancy upsampling, ISLOW
//! IDCT); otherwise samples are passed through unconverted, as libtiff does.
//! Encoding makes a complete stream as libtiff's encoder configures libjpeg;
//! the caller moves its quantisation tables to JPEGTables
//! ([`split_quant_tables`]).

use super::BlockLayout;
use super::libjpeg::{self, CompressParams, Frame, Output};
use crate::tiff::Photometric;
use crate::{Error, Result};
use mozjpeg_sys as j;

const SOI: u8 = 0xD8;
const EOI: u8 = 0xD9;
const SOS: u8 = 0xDA;
const DQT: u8 = 0xDB;
const DHT: u8 = 0xC4;

/// One stream from JPEGTables and an abbreviated block stream.
fn splice(tables: Option<&[u8]>, data: &[u8]) -> Vec<u8> {
    match tables {
        Some(t) if t.len() >= 4 && t[..2] == [0xFF, SOI] && data.len() >= 2 && data[..2] == [0xFF, SOI] => {
            let t = if t[t.len() - 2..] == [0xFF, EOI] { &t[..t.len() - 2] } else { t };
            let mut s = Vec::with_capacity(t.len() + data.len());
            s.extend_from_slice(t);
            s.extend_from_slice(&data[2..]);
            s
        }
        _ => data.to_vec(),
    }
}

pub fn decode(data: &[u8], layout: &BlockLayout, expected: usize) -> Result<Vec<u8>> {
    if layout.bits_per_sample != 8 {
        return Err(Error::unsupported(format!("{}-bit JPEG is not supported", layout.bits_per_sample)));
    }
    let stream = splice(layout.jpeg_tables.as_deref(), data);
    let check = |f: &Frame| {
        // the frame may not be larger than the block: no allocation from a
        // hostile SOF (libtiff crops a frame a little larger than the
        // block: allow one MCU more)
        if f.width > layout.width.max(1) + 16 || f.height > layout.height.max(1) + 16 {
            return Err(format!(
                "JPEG frame is {}x{}, larger than the {}x{} block",
                f.width, f.height, layout.width, layout.height
            ));
        }
        if f.width < layout.width || f.height < layout.height {
            return Err(format!(
                "JPEG frame is {}x{}, smaller than the {}x{} block",
                f.width, f.height, layout.width, layout.height
            ));
        }
        if f.components != layout.samples {
            return Err(format!(
                "JPEG stream has {} components, the image {} samples per block",
                f.components, layout.samples
            ));
        }
        Ok(if f.components == 3 && layout.photometric == Photometric::YCBCR { Output::Rgb } else { Output::AsStored })
    };
    let (frame, full) =
        libjpeg::decompress(&stream, check).map_err(|e| Error::format(format!("JPEG stream is corrupt: {}", e)))?;
    let (w, comps) = (frame.width, frame.components);
    if w == layout.width && frame.height == layout.height {
        return Ok(full);
    }
    let mut out = Vec::with_capacity(expected);
    let row = layout.width * comps;
    for y in 0..layout.height {
        out.extend_from_slice(&full[y * w * comps..y * w * comps + row]);
    }
    Ok(out)
}

/// Encode 8-bit gray (1 sample) or RGB (3 samples) as libtiff does for
/// GDAL: photometric 6 (YCbCr) converts RGB to YCbCr and subsamples chroma
/// 2x2 inside libjpeg (JPEGCOLORMODE=RGB); photometric 2 (RGB) stores the
/// samples as they are, unsubsampled. Returns a complete stream (tables
/// included) with Huffman tables optimised for this block.
pub fn encode(data: &[u8], layout: &BlockLayout, quality: u8) -> Result<Vec<u8>> {
    if layout.bits_per_sample != 8 {
        return Err(Error::usage("JPEG needs 8-bit samples"));
    }
    if !(1..=100).contains(&quality) {
        return Err(Error::usage(format!("JPEG quality {} is outside 1..100", quality)));
    }
    let (w, h) = (layout.width, layout.height);
    if w > 65535 || h > 65535 || w == 0 || h == 0 {
        return Err(Error::usage(format!("a {}x{} block cannot be a JPEG", w, h)));
    }
    let (in_color_space, jpeg_color_space, luma_sampling) = match (layout.samples, layout.photometric) {
        (1, _) => (j::JCS_GRAYSCALE, j::JCS_GRAYSCALE, (1, 1)),
        (3, Photometric::YCBCR) => (j::JCS_RGB, j::JCS_YCbCr, (2, 2)),
        (3, _) => (j::JCS_RGB, j::JCS_RGB, (1, 1)),
        (n, _) => return Err(Error::usage(format!("JPEG takes 1 or 3 bands, not {}", n))),
    };
    if data.len() != w * h * layout.samples {
        return Err(Error::usage(format!("JPEG encode was given {} bytes for a {}x{} block", data.len(), w, h)));
    }
    let params = CompressParams {
        width: w as u32,
        height: h as u32,
        components: layout.samples as i32,
        in_color_space,
        jpeg_color_space,
        luma_sampling,
        quality: quality as i32,
    };
    libjpeg::compress(&params, data).map_err(|e| Error::format(format!("JPEG encoding failed: {}", e)))
}

/// Split a full JPEG stream the way GDAL writes JPEG TIFFs by default
/// (JPEGTABLESMODE=1): JPEGTables = SOI + every DQT + EOI; the block keeps
/// SOI, its own (optimised) Huffman tables, the frame and scan headers, the
/// entropy-coded data and EOI. APPn and COM segments are dropped.
pub fn split_quant_tables(full: &[u8]) -> Result<(Vec<u8>, Vec<u8>)> {
    split_with(full, |m| m == DQT)
}

/// Split a full JPEG stream into (JPEGTables contents, abbreviated block
/// stream): tables = SOI + every DQT and DHT + EOI; the block keeps SOI, the
/// frame and scan headers, the entropy-coded data and EOI. APPn and COM
/// segments are dropped, as libtiff does.
pub fn split_tables(full: &[u8]) -> Result<(Vec<u8>, Vec<u8>)> {
    split_with(full, |m| m == DQT || m == DHT)
}

/// Segments whose marker satisfies `to_tables` go to the tables stream.
fn split_with(full: &[u8], to_tables: impl Fn(u8) -> bool) -> Result<(Vec<u8>, Vec<u8>)> {
    if full.len() < 4 || full[..2] != [0xFF, SOI] {
        return Err(Error::format("not a JPEG stream (no SOI)"));
    }
    let mut tables = vec![0xFF, SOI];
    let mut block = vec![0xFF, SOI];
    let mut i = 2;
    loop {
        if i + 4 > full.len() || full[i] != 0xFF {
            return Err(Error::format(format!("JPEG stream has no marker at byte {}", i)));
        }
        let marker = full[i + 1];
        if marker == 0xFF {
            i += 1; // fill byte
            continue;
        }
        let len = u16::from_be_bytes([full[i + 2], full[i + 3]]) as usize;
        let end = i + 2 + len;
        if len < 2 || end > full.len() {
            return Err(Error::format(format!("JPEG segment at byte {} runs past the end", i)));
        }
        match marker {
            m if to_tables(m) => tables.extend_from_slice(&full[i..end]),
            0xE0..=0xEF | 0xFE => {}
            SOS => {
                // SOS header, then everything up to and including EOI
                block.extend_from_slice(&full[i..]);
                break;
            }
            _ => block.extend_from_slice(&full[i..end]),
        }
        i = end;
    }
    tables.extend_from_slice(&[0xFF, EOI]);
    Ok((tables, block))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tiff::{ByteOrder, SampleFormat};

    fn layout(w: usize, h: usize, samples: usize, photometric: u16) -> BlockLayout {
        BlockLayout {
            width: w,
            height: h,
            samples,
            bits_per_sample: 8,
            sample_format: SampleFormat::Uint,
            byte_order: ByteOrder::Little,
            predictor: crate::tiff::Predictor::NONE,
            photometric: Photometric(photometric),
            jpeg_tables: None,
        }
    }

    #[test]
    fn round_trip_with_tables_spliced() {
        let l = layout(24, 16, 3, 6);
        let rgb: Vec<u8> = (0..24 * 16).flat_map(|i| [(i % 24 * 8) as u8, (i / 24 * 12) as u8, 100]).collect();
        let full = encode(&rgb, &l, 90).unwrap();
        let (tables, block) = split_quant_tables(&full).unwrap();
        let mut with = l.clone();
        with.jpeg_tables = Some(tables);
        let out = decode(&block, &with, 24 * 16 * 3).unwrap();
        assert_eq!(out.len(), rgb.len());
        let worst = out.iter().zip(&rgb).map(|(a, b)| a.abs_diff(*b)).max().unwrap();
        assert!(worst <= 12, "decoded {} away from the input", worst);
    }

    #[test]
    fn libjpeg_errors_are_errors() {
        let l = layout(16, 16, 1, 1);
        let full = encode(&[7u8; 256], &l, 75).unwrap();
        let (_, block) = split_quant_tables(&full).unwrap();
        // no quantisation tables: libjpeg's fatal error, unwound into an Err
        let e = decode(&block, &l, 256).unwrap_err();
        assert!(e.message.contains("JPEG stream is corrupt"), "{}", e.message);
        let e = decode(&[0xFF, 0xD8, 1, 2, 3], &l, 256).unwrap_err();
        assert!(e.message.contains("JPEG stream is corrupt"), "{}", e.message);
        // a frame larger than the block is refused before decoding
        let big = encode(&[7u8; 64 * 64], &layout(64, 64, 1, 1), 75).unwrap();
        let e = decode(&big, &l, 256).unwrap_err();
        assert!(e.message.contains("larger than the 16x16 block"), "{}", e.message);
        // three components where the image has one sample
        let rgb = encode(&[7u8; 16 * 16 * 3], &layout(16, 16, 3, 6), 75).unwrap();
        let e = decode(&rgb, &l, 256).unwrap_err();
        assert!(e.message.contains("3 components"), "{}", e.message);
    }
}
