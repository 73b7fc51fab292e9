//! JPEG (TIFF 7, "new-style"): zune-jpeg to decode, jpeg-encoder to encode.
//!
//! TIFF stores JPEG blocks as abbreviated streams: the quantization and
//! Huffman tables live once in the JPEGTables tag (SOI, DQT, DHT, EOI) and
//! each block keeps SOI, SOF, SOS, the scan and EOI. Decoding splices the
//! two back into one stream. With photometric YCbCr the decoder converts to
//! RGB (libtiff's JPEGCOLORMODE=RGB, what GDAL reads); otherwise samples are
//! passed through unconverted, as libtiff does.

use super::BlockLayout;
use crate::{Error, Result};
use zune_jpeg::JpegDecoder;
use zune_jpeg::zune_core::bytestream::ZCursor;
use zune_jpeg::zune_core::colorspace::ColorSpace;
use zune_jpeg::zune_core::options::DecoderOptions;

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
    // the frame may not be larger than the block: no allocation from a hostile SOF
    // (libtiff crops a frame a little larger than the block: allow one MCU more)
    let opts = DecoderOptions::default()
        .set_max_width(layout.width.max(1) + 16)
        .set_max_height(layout.height.max(1) + 16)
        .set_strict_mode(false);
    let mut dec = JpegDecoder::new_with_options(ZCursor::new(&stream[..]), opts);
    let bad = |e: zune_jpeg::errors::DecodeErrors| Error::format(format!("JPEG stream is corrupt: {}", e));
    dec.decode_headers().map_err(bad)?;
    let info = dec.info().ok_or_else(|| Error::format("JPEG stream has no frame header"))?;
    let comps = info.components as usize;
    if comps != layout.samples {
        return Err(Error::format(format!(
            "JPEG stream has {} components, the image {} samples per block",
            comps, layout.samples
        )));
    }
    let input = dec.input_colorspace().unwrap_or(ColorSpace::YCbCr);
    let out_cs = match (comps, layout.photometric) {
        (1, _) => ColorSpace::Luma,
        (3, 6) => ColorSpace::RGB,
        _ => input,
    };
    dec.set_options(opts.jpeg_set_out_colorspace(out_cs));
    let (w, h) = (info.width as usize, info.height as usize);
    if w < layout.width || h < layout.height {
        return Err(Error::format(format!(
            "JPEG frame is {}x{}, smaller than the {}x{} block",
            w, h, layout.width, layout.height
        )));
    }
    let need = dec.output_buffer_size().ok_or_else(|| Error::format("JPEG stream has no frame header"))?;
    if need != w * h * comps {
        return Err(Error::format(format!("JPEG stream decodes to {} bytes, expected {}", need, w * h * comps)));
    }
    let mut full = vec![0u8; need];
    dec.decode_into(&mut full).map_err(bad)?;
    if w == layout.width && h == layout.height {
        return Ok(full);
    }
    let mut out = Vec::with_capacity(expected);
    let row = layout.width * comps;
    for y in 0..layout.height {
        out.extend_from_slice(&full[y * w * comps..y * w * comps + row]);
    }
    Ok(out)
}

/// Encode 8-bit gray (1 sample) or RGB (3 samples). Photometric 6 (YCbCr)
/// subsamples chroma 2x2 as GDAL does; photometric 2 (RGB) stores the
/// samples as they are, unsubsampled.
pub fn encode(data: &[u8], layout: &BlockLayout, quality: u8) -> Result<Vec<u8>> {
    use jpeg_encoder::{ColorType, Encoder, SamplingFactor};
    if layout.bits_per_sample != 8 {
        return Err(Error::usage("JPEG needs 8-bit samples"));
    }
    if !(1..=100).contains(&quality) {
        return Err(Error::usage(format!("JPEG quality {} is outside 1..100", quality)));
    }
    let (w, h) = (layout.width, layout.height);
    if w > 65535 || h > 65535 {
        return Err(Error::usage(format!("a {}x{} block is too large for JPEG", w, h)));
    }
    let (color, sampling) = match (layout.samples, layout.photometric) {
        (1, _) => (ColorType::Luma, SamplingFactor::F_1_1),
        (3, 6) => (ColorType::Rgb, SamplingFactor::F_2_2),
        (3, _) => (ColorType::Ycbcr, SamplingFactor::F_1_1),
        (n, _) => return Err(Error::usage(format!("JPEG takes 1 or 3 bands, not {}", n))),
    };
    let mut out = Vec::new();
    let mut enc = Encoder::new(&mut out, quality);
    enc.set_sampling_factor(sampling);
    // As libjpeg inside libtiff/GDAL: chroma box-averaged (h2v2_downsample).
    enc.set_chroma_subsampling_method(jpeg_encoder::ChromaSubsamplingMethod::Average);
    enc.encode(data, w as u16, h as u16, color).map_err(|e| Error::format(format!("JPEG encoding failed: {}", e)))?;
    // GDAL (libtiff with the Huffman tables outside JPEGTables) has libjpeg
    // optimise the Huffman tables of every block. jpeg-encoder can do that
    // only by writing one scan per component, which zune-jpeg (our decoder)
    // misreads and GDAL does not write; so it writes one interleaved scan
    // with the standard tables and jpeg_huffman recodes it losslessly with
    // the tables libjpeg would build for the same coefficients.
    super::jpeg_huffman::optimize(&libjpeg_like(&out, layout.samples == 1))
}

/// Make jpeg-encoder's stream look like libjpeg's (what GDAL writes):
/// component ids 1, 2, 3 instead of 0, 1, 2 (without a JFIF marker, which
/// TIFF blocks do not carry, decoders such as zune-jpeg take 0-based ids
/// for RGB), and for a gray frame no chroma quantisation table (libjpeg,
/// and so GDAL's JPEGTables, has the luma table only). The stream is ours,
/// so well formed; segments after the scan header are copied as they are.
fn libjpeg_like(full: &[u8], gray: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(full.len());
    out.extend_from_slice(&full[..2.min(full.len())]);
    let mut i = 2;
    while i + 2 <= full.len() {
        if full[i] != 0xFF {
            // entropy-coded data: up to the next marker (FF 00 is a stuffed
            // byte, FF D0..D7 a restart marker, both part of the data)
            let mut j = i;
            while j + 1 < full.len() && !(full[j] == 0xFF && full[j + 1] != 0 && !(0xD0..=0xD7).contains(&full[j + 1]))
            {
                j += 1;
            }
            if j + 1 >= full.len() {
                j = full.len();
            }
            out.extend_from_slice(&full[i..j]);
            i = j;
            continue;
        }
        let marker = full[i + 1];
        if marker == EOI || i + 4 > full.len() {
            break;
        }
        let len = u16::from_be_bytes([full[i + 2], full[i + 3]]) as usize;
        let end = (i + 2 + len).min(full.len());
        let mut seg = full[i..end].to_vec();
        match marker {
            // SOF0..SOF2: 8 header bytes, then 3 bytes per component, id first.
            0xC0..=0xC2 if seg.len() >= 10 => {
                for c in 0..seg[9] as usize {
                    if let Some(id) = seg.get_mut(10 + 3 * c) {
                        *id += 1;
                    }
                }
            }
            // SOS: count, then 2 bytes per component, id first.
            SOS if seg.len() >= 5 => {
                for c in 0..seg[4] as usize {
                    if let Some(id) = seg.get_mut(5 + 2 * c) {
                        *id += 1;
                    }
                }
            }
            _ => {}
        }
        let unused_chroma_table = gray && marker == DQT && len == 67 && full[i + 4] == 1;
        if !unused_chroma_table {
            out.extend_from_slice(&seg);
        }
        i = end;
    }
    out.extend_from_slice(&full[i.min(full.len())..]);
    out
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
