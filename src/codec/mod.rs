//! Compression codecs and predictors for TIFF blocks (strips or tiles).
//!
//! [`decode`] turns one stored block into little-endian samples of exactly
//! the block's size, [`encode`] does the reverse. Every decoder is given the
//! expected size up front and stops there: a stream that would expand past
//! it (a decompression bomb) or falls short of it is an error, never a
//! panic or an allocation sized by the stream.
//!
//! One file per codec; [`predictor`] holds predictors 2 and 3.

pub mod checksum;
pub(crate) mod deflate;
pub(crate) mod jpeg;
mod libjpeg;
pub(crate) mod lzw;
pub(crate) mod packbits;
pub mod predictor;
pub(crate) mod webp;
pub(crate) mod zstd;

use crate::tiff::{ByteOrder, Compression, Photometric, Predictor, SampleFormat};
use crate::{Error, Result};
use Compression as C;

/// Largest decoded block we agree to allocate (a 2^31 x 2^31 tile is hostile).
pub const MAX_BLOCK_BYTES: usize = 1 << 31;

/// Shape and sample type of one block.
#[derive(Debug, Clone)]
pub struct BlockLayout {
    /// Pixels per row in the block (tile width, or image width for strips).
    pub width: usize,
    /// Rows in the block (full tile height; for strips RowsPerStrip, or fewer for the last strip).
    pub height: usize,
    /// Samples per pixel stored in this block (1 when planar=separate).
    pub samples: usize,
    /// Same for all samples: 1..=128 (1 for masks).
    pub bits_per_sample: u16,
    pub sample_format: SampleFormat,
    /// Of the data as stored (decode); encode writes little-endian.
    pub byte_order: ByteOrder,
    pub predictor: Predictor,
    pub photometric: Photometric,
    /// JPEGTables tag contents, for JPEG decode.
    pub jpeg_tables: Option<Vec<u8>>,
}

impl BlockLayout {
    /// Bytes of one decoded row (padded to whole bytes).
    pub fn row_bytes(&self) -> Result<usize> {
        predictor::row_bytes(self.width, self.samples, self.bits_per_sample)
            .ok_or_else(|| Error::limit("block row size overflows"))
    }
    /// Bytes of the decoded block, checked against [`MAX_BLOCK_BYTES`].
    pub fn decoded_bytes(&self) -> Result<usize> {
        let n = self.row_bytes()?.checked_mul(self.height).filter(|&n| n <= MAX_BLOCK_BYTES);
        n.ok_or_else(|| {
            Error::limit(format!(
                "a {}x{} block of {} samples of {} bits is beyond the {} byte limit",
                self.width, self.height, self.samples, self.bits_per_sample, MAX_BLOCK_BYTES
            ))
        })
    }
    /// Size in bytes of the unit a byte swap acts on (complex: one part).
    fn swap_unit(&self) -> usize {
        let complex = matches!(self.sample_format, SampleFormat::ComplexInt | SampleFormat::ComplexFloat);
        let bits = if complex { self.bits_per_sample / 2 } else { self.bits_per_sample };
        if bits % 8 == 0 { bits as usize / 8 } else { 1 }
    }
}

/// Options for [`encode`].
#[derive(Debug, Clone)]
pub struct EncodeOptions {
    /// None, LZW, JPEG, DEFLATE, PackBits, ZSTD or WebP.
    pub compression: Compression,
    /// deflate 1..12 (libdeflate; default 6), zstd 1..22 (default 9).
    pub level: Option<i32>,
    /// jpeg/webp 1..100, default 75; webp 100 = lossless (GDAL rule).
    pub quality: Option<u8>,
    /// Never with PackBits, JPEG or WebP.
    pub predictor: Predictor,
}

/// Swap every `unit`-byte value of `data` in place (big-endian to little-endian).
fn swap_in_place(data: &mut [u8], unit: usize) {
    if unit > 1 {
        for v in data.chunks_exact_mut(unit) {
            v.reverse();
        }
    }
}

/// Most bytes one input byte can expand to, per codec: DEFLATE tops out
/// at 1032:1, PackBits at 64:1 (2 bytes for a 128-byte run), LZW at about
/// 3641:1 (a 9-bit code for a 4096-byte string). A stream too small to fill
/// its block is refused before the block is allocated, so a few bytes can
/// never make us reserve gigabytes. ZSTD has no useful bound.
fn check_ratio(compression: Compression, len: usize, expected: usize) -> Result<()> {
    let ratio = match compression {
        C::DEFLATE | C::DEFLATE_OLD => 1032,
        C::PACKBITS => 64,
        C::LZW => 3641,
        _ => return Ok(()),
    };
    if len.saturating_mul(ratio).saturating_add(64) < expected {
        return Err(Error::format(format!(
            "{} stream of {} bytes cannot hold a block of {} bytes",
            compression.label(),
            len,
            expected
        )));
    }
    Ok(())
}

/// Decode one stored block: decompress, undo the predictor, convert samples to little-endian.
/// Output: exactly width*height*samples*bits/8 bytes (rows padded to whole bytes when bits<8),
/// pixel-interleaved as stored. JPEG with photometric YCbCr comes out as RGB. A stream that would
/// expand beyond the expected size is an error (decompression bomb), a short one is an error too.
pub fn decode(compression: Compression, data: &[u8], layout: &BlockLayout) -> Result<Vec<u8>> {
    decode_cow(compression, std::borrow::Cow::Borrowed(data), layout)
}

/// [`decode`] of a block the caller gives away: an uncompressed block is
/// then used in place rather than copied.
pub fn decode_owned(compression: Compression, data: Vec<u8>, layout: &BlockLayout) -> Result<Vec<u8>> {
    decode_cow(compression, std::borrow::Cow::Owned(data), layout)
}

fn decode_cow(compression: Compression, data: std::borrow::Cow<[u8]>, layout: &BlockLayout) -> Result<Vec<u8>> {
    let expected = layout.decoded_bytes()?;
    check_ratio(compression, data.len(), expected)?;
    let mut out = match compression {
        C::NONE => {
            if data.len() < expected {
                return Err(Error::format(format!(
                    "uncompressed block is short: {} of {} bytes",
                    data.len(),
                    expected
                )));
            }
            let mut v = data.into_owned();
            v.truncate(expected);
            v
        }
        C::DEFLATE | C::DEFLATE_OLD => deflate::decode(&data, expected)?,
        C::LZW => lzw::decode(&data, expected)?,
        C::PACKBITS => packbits::decode(&data, expected)?,
        C::ZSTD => zstd::decode(&data, expected)?,
        C::JPEG => return jpeg::decode(&data, layout, expected),
        C::WEBP => return webp::decode(&data, layout, expected),
        c => return Err(Error::unsupported(format!("{} decoding is not supported", c.label()))),
    };
    // libtiff applies predictors only inside the codecs that support them
    // (LZW, DEFLATE, ZSTD, ...); with none or PackBits the tag is ignored.
    let predictor = if compression.takes_predictor() { layout.predictor } else { Predictor::NONE };
    match predictor {
        // planes are in value order: the undo yields little-endian directly
        Predictor::FLOATING_POINT => {
            predictor::undo(Predictor::FLOATING_POINT, &mut out, layout.width, layout.samples, layout.bits_per_sample)?
        }
        Predictor::NONE | Predictor::HORIZONTAL => {
            if layout.byte_order == ByteOrder::Big {
                swap_in_place(&mut out, layout.swap_unit());
            }
            if predictor == Predictor::HORIZONTAL {
                predictor::undo(Predictor::HORIZONTAL, &mut out, layout.width, layout.samples, layout.bits_per_sample)?;
            }
        }
        p => return Err(Error::unsupported(format!("predictor {}", p.0))),
    }
    Ok(out)
}

/// Apply the predictor to little-endian samples and compress.
pub fn encode(opts: &EncodeOptions, data: &[u8], layout: &BlockLayout) -> Result<Vec<u8>> {
    if opts.predictor == Predictor::NONE {
        check_block_len(data, layout)?;
        compress(opts, data, layout)
    } else {
        encode_owned(opts, data.to_vec(), layout)
    }
}

/// [`encode`] for a block the caller gives away: the predictor runs in
/// place and an uncompressed block is returned as is (no copy of a tile
/// that is about to be dropped: the hot path of `create`).
pub fn encode_owned(opts: &EncodeOptions, mut data: Vec<u8>, layout: &BlockLayout) -> Result<Vec<u8>> {
    if opts.compression != C::NONE {
        return encode_in_place(opts, &mut data, layout);
    }
    check_block_len(&data, layout)?;
    if opts.predictor != Predictor::NONE {
        return Err(Error::usage(format!("a predictor cannot be used with {}", opts.compression.label())));
    }
    Ok(data)
}

/// [`encode_owned`] on a block the caller lends mutably (say, samples seen
/// as their bytes): the predictor runs in place, the codec reads it there.
/// Saves the copy into an owned byte buffer on every compressed tile.
pub fn encode_in_place(opts: &EncodeOptions, data: &mut [u8], layout: &BlockLayout) -> Result<Vec<u8>> {
    check_block_len(data, layout)?;
    if opts.predictor != Predictor::NONE {
        if !opts.compression.takes_predictor() {
            return Err(Error::usage(format!("a predictor cannot be used with {}", opts.compression.label())));
        }
        predictor::apply(opts.predictor, data, layout.width, layout.samples, layout.bits_per_sample)?;
    }
    compress(opts, data, layout)
}

fn check_block_len(data: &[u8], layout: &BlockLayout) -> Result<()> {
    let expected = layout.decoded_bytes()?;
    if data.len() != expected {
        return Err(Error::usage(format!("encode was given {} bytes for a block of {} bytes", data.len(), expected)));
    }
    Ok(())
}

/// Compress a block whose predictor (if any) is already applied.
fn compress(opts: &EncodeOptions, input: &[u8], layout: &BlockLayout) -> Result<Vec<u8>> {
    match opts.compression {
        C::NONE => Ok(input.to_vec()),
        C::DEFLATE | C::DEFLATE_OLD => deflate::encode(input, opts.level.unwrap_or(6)),
        C::LZW => lzw::encode(input),
        C::PACKBITS => Ok(packbits::encode(input, layout.row_bytes()?)),
        C::ZSTD => zstd::encode(input, opts.level.unwrap_or(9)),
        C::JPEG => jpeg::encode(input, layout, opts.quality.unwrap_or(75)),
        C::WEBP => webp::encode(input, layout, opts.quality.unwrap_or(75)),
        c => Err(Error::unsupported(format!("{} encoding is not supported", c.label()))),
    }
}

/// For JPEG: split a full JPEG stream into (JPEGTables contents, abbreviated tile stream),
/// as GDAL/libtiff store them (tables = SOI+DQT+DHT+EOI; tile keeps SOI, SOF, SOS, data, EOI).
pub fn split_jpeg_tables(full: &[u8]) -> Result<(Vec<u8>, Vec<u8>)> {
    jpeg::split_tables(full)
}

/// For JPEG as GDAL writes it (JPEGTABLESMODE=1): JPEGTables holds only the
/// quantisation tables (SOI+DQT+EOI); each block keeps its own Huffman tables.
pub fn split_jpeg_quant_tables(full: &[u8]) -> Result<(Vec<u8>, Vec<u8>)> {
    jpeg::split_quant_tables(full)
}

/// Pack a one-byte-per-pixel mask (0 = masked, nonzero = valid) into 1-bit
/// rows, most significant bit first, each row padded to whole bytes: the
/// block layout GDAL's internal masks (NBITS=1) use, ready for [`encode`]
/// with `bits_per_sample: 1`.
pub fn pack_mask_rows(mask: &[u8], width: usize, height: usize) -> Vec<u8> {
    let row = width.div_ceil(8);
    let mut out = vec![0u8; row * height];
    for (y, line) in mask.chunks(width.max(1)).take(height).enumerate() {
        for (x, &v) in line.iter().enumerate() {
            if v != 0 {
                out[y * row + x / 8] |= 0x80 >> (x % 8);
            }
        }
    }
    out
}
