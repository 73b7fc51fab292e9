//! Turning one cut tile into its stored bytes: edge spreading for JPEG,
//! band planes, SPARSE_OK, NBITS packing, the codec, and the mask tile.
//!
//! A [`TileEncoder`] owns copies of everything it needs, so tiles can be
//! encoded on any thread while the pipeline goes on cutting the next ones
//! (see encode_queue.rs).

use crate::Result;
use crate::codec::{self, BlockLayout, EncodeOptions};
use crate::create::config::Config;
use crate::create::pipeline::resample::Pixel;
use crate::create::pipeline::sample::Sample;
use crate::tiff::{ByteOrder, Compression, Photometric, Predictor, SampleFormat};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A full-size tile cut from a level's rows, not yet encoded.
pub struct CutTile<T> {
    pub level: usize,
    /// Tile index within one plane (row major).
    pub index: usize,
    /// `block * block * comps` samples; pixels outside the image hold the fill value.
    pub data: Vec<T>,
    /// Columns and rows of the tile inside the image.
    pub cols: usize,
    pub rows: usize,
    /// With a mask: the mask tile as 1-bit rows (MSB first, rows padded to
    /// bytes), and whether any pixel is valid.
    pub mask: Option<(Vec<u8>, bool)>,
}

impl<T> CutTile<T> {
    /// Bytes held until the tile is written (for the in-flight budget).
    pub fn held_bytes(&self) -> u64 {
        (self.data.len() * std::mem::size_of::<T>() + self.mask.as_ref().map_or(0, |m| m.0.len())) as u64
    }
}

/// One tile compressed: one payload per plane (a single one when
/// pixel-interleaved) and, with a mask, the mask payload. An empty payload
/// means "sparse: write nothing".
pub struct EncodedTile {
    pub level: usize,
    pub index: usize,
    pub image: Vec<Vec<u8>>,
    pub mask: Option<Vec<u8>>,
    /// [`CutTile::held_bytes`] of the tile this came from.
    pub held: u64,
}

/// Everything needed to encode any tile of a run.
#[derive(Clone)]
pub struct TileEncoder {
    layout: BlockLayout,
    enc: EncodeOptions,
    mask_layout: BlockLayout,
    mask_enc: EncodeOptions,
    /// Tile side of each level (`--overview-blocksize` may differ from level 0's).
    blocks: Vec<usize>,
    comps: usize,
    planes: usize,
    sparse: bool,
    nodata: Option<f64>,
    nbits: Option<u16>,
    jpeg: bool,
    /// Encoded bytes of uniform planes (every pixel the same), shared by
    /// all clones: mostly-nodata rasters are mostly such tiles, and the
    /// bytes of one depend only on its value and size.
    uniform: Arc<Mutex<HashMap<UniformKey, Vec<u8>>>>,
}

/// A uniform plane: tile side, then one pixel's sample bytes.
type UniformKey = (usize, Vec<u8>);

/// Distinct uniform planes remembered (a raster has a few: nodata, zero).
const UNIFORM_CACHE: usize = 16;

impl TileEncoder {
    pub fn new(cfg: &Config, comps: usize, sample_format: SampleFormat) -> TileEncoder {
        let b = cfg.levels[0].block as usize;
        let blocks = cfg.levels.iter().map(|l| l.block as usize).collect();
        let planes = if cfg.separate { cfg.bands } else { 1 };
        let layout = BlockLayout {
            width: b,
            height: b,
            samples: cfg.bands / planes,
            bits_per_sample: cfg.nbits.unwrap_or((cfg.sample_bytes * 8) as u16),
            sample_format,
            byte_order: ByteOrder::Little,
            predictor: cfg.predictor.unwrap_or(Predictor::NONE),
            photometric: cfg.photometric,
            jpeg_tables: None,
        };
        let enc = EncodeOptions {
            compression: cfg.codec.tag(),
            level: cfg.level,
            quality: cfg.quality,
            predictor: cfg.predictor.unwrap_or(Predictor::NONE),
        };
        let mask_layout = BlockLayout {
            width: b,
            height: b,
            samples: 1,
            bits_per_sample: 1,
            sample_format: SampleFormat::Uint,
            byte_order: ByteOrder::Little,
            predictor: Predictor::NONE,
            photometric: Photometric::MASK,
            jpeg_tables: None,
        };
        let mask_enc =
            EncodeOptions { compression: Compression::DEFLATE, level: None, quality: None, predictor: Predictor::NONE };
        TileEncoder {
            layout,
            enc,
            mask_layout,
            mask_enc,
            blocks,
            comps,
            planes,
            sparse: cfg.sparse,
            nodata: cfg.nodata,
            nbits: cfg.nbits,
            jpeg: cfg.jpeg_tables.is_some(),
            uniform: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// The cache key of a plane whose pixels (`per_plane` samples each) are
    /// all the same, or None.
    fn uniform_key<T: Sample>(b: usize, plane: &[T], per_plane: usize) -> Option<UniformKey> {
        let bytes: &[u8] = bytemuck::cast_slice(plane);
        let n = per_plane * T::BYTES;
        let first = bytes.get(..n)?;
        // Periodic with the pixel's size: one comparison of the tile with
        // itself shifted by one pixel.
        (bytes[n..] == bytes[..bytes.len() - n]).then(|| (b, first.to_vec()))
    }

    pub fn encode<T: Sample>(&self, cut: CutTile<T>) -> Result<EncodedTile> {
        let held = cut.held_bytes();
        let CutTile { level, index, data: mut tile, cols, rows, mask } = cut;
        let (b, comps, planes) = (self.blocks[level], self.comps, self.planes);
        let sized = |l: &BlockLayout| BlockLayout { width: b, height: b, ..l.clone() };
        let (layout, mask_layout) = (sized(&self.layout), sized(&self.mask_layout));
        if self.jpeg {
            spread_edges(&mut tile, b, cols, rows, comps);
        }
        // Band interleave: plane p holds component group p of every pixel.
        let per_plane = comps / planes;
        let mut image = Vec::with_capacity(planes);
        for p in 0..planes {
            let plane: Vec<T> = if planes == 1 {
                std::mem::take(&mut tile)
            } else {
                tile.chunks_exact(comps).flat_map(|px| px[p * per_plane..(p + 1) * per_plane].iter().copied()).collect()
            };
            if self.sparse && region_is_empty(&plane, b * per_plane, cols * per_plane, rows, self.nodata) {
                image.push(Vec::new());
                continue;
            }
            let key = Self::uniform_key(b, &plane, per_plane);
            if let Some(hit) = key.as_ref().and_then(|k| self.uniform.lock().ok()?.get(k).cloned()) {
                image.push(hit);
                continue;
            }
            let mut plane = plane;
            // Compressed samples wider than a byte need no copy: the
            // predictor and the codec work on the samples' own bytes.
            let in_place =
                self.nbits.is_none() && self.enc.compression != crate::tiff::Compression::NONE && T::BYTES > 1;
            let full = match (self.nbits, T::le_bytes_mut(&mut plane)) {
                (None, Some(bytes)) if in_place => codec::encode_in_place(&self.enc, bytes, &layout)?,
                (Some(n), _) => codec::encode_owned(&self.enc, pack_bits(&plane, b * per_plane, n), &layout)?,
                (None, _) => codec::encode_owned(&self.enc, T::into_le_bytes(plane), &layout)?,
            };
            let stored = if self.jpeg { codec::split_jpeg_quant_tables(&full)?.1 } else { full };
            if let (Some(k), Ok(mut cache)) = (key, self.uniform.lock())
                && cache.len() < UNIFORM_CACHE
            {
                cache.insert(k, stored.clone());
            }
            image.push(stored);
        }
        let mask = match mask {
            Some((_, false)) if self.sparse => Some(Vec::new()),
            Some((bits, _)) => Some(codec::encode(&self.mask_enc, &bits, &mask_layout)?),
            None => None,
        };
        Ok(EncodedTile { level, index, image, mask, held })
    }
}

/// The mask tile of `valid` (one byte per pixel, non-zero = valid) for
/// `rows` x `cols` pixels starting at `start` in rows of `width`: 1-bit
/// rows of a `block`-wide tile, and whether any pixel is valid.
pub fn mask_bits(valid: &[u8], width: usize, start: usize, cols: usize, rows: usize, block: usize) -> (Vec<u8>, bool) {
    let row_bytes = block.div_ceil(8);
    let mut bits = vec![0u8; row_bytes * block];
    let mut any = false;
    for r in 0..rows {
        let src = &valid[start + r * width..start + r * width + cols];
        for (x, &v) in src.iter().enumerate() {
            if v != 0 {
                bits[r * row_bytes + x / 8] |= 0x80 >> (x % 8);
                any = true;
            }
        }
    }
    (bits, any)
}

/// Pack unsigned samples into `n`-bit fields, most significant bit first,
/// each row of `row_len` samples padded to whole bytes (TIFF's layout for
/// odd bit depths). Values beyond `n` bits are clamped, as GDAL clamps
/// them when writing NBITS.
fn pack_bits<T: Pixel>(samples: &[T], row_len: usize, n: u16) -> Vec<u8> {
    let n = n as usize;
    let max = (1u64 << n) - 1;
    let row_bytes = (row_len * n).div_ceil(8);
    let rows = samples.len() / row_len.max(1);
    let mut out = vec![0u8; row_bytes * rows];
    for (r, row) in samples.chunks_exact(row_len).enumerate() {
        let dst = &mut out[r * row_bytes..(r + 1) * row_bytes];
        let mut bit = 0usize;
        for &v in row {
            let x = v.to_f64();
            let x = if x.is_nan() || x <= 0.0 { 0 } else { (x as u64).min(max) };
            for k in (0..n).rev() {
                if (x >> k) & 1 == 1 {
                    dst[bit / 8] |= 0x80 >> (bit % 8);
                }
                bit += 1;
            }
        }
    }
    out
}

/// Fill the part of a partial edge tile outside the image by repeating the
/// last column to the right, then the last row down, as GDAL does before
/// JPEG-compressing an edge tile (it avoids ringing along the image edge).
fn spread_edges<T: Copy>(tile: &mut [T], b: usize, cols: usize, rows: usize, comps: usize) {
    if cols == 0 || rows == 0 {
        return;
    }
    if cols < b {
        for r in 0..rows {
            let row = &mut tile[r * b * comps..(r + 1) * b * comps];
            let (head, tail) = row.split_at_mut(cols * comps);
            let last = &head[(cols - 1) * comps..];
            for px in tail.chunks_exact_mut(comps) {
                px.copy_from_slice(last);
            }
        }
    }
    if rows < b {
        let (head, tail) = tile.split_at_mut(rows * b * comps);
        let last = &head[(rows - 1) * b * comps..];
        for row in tail.chunks_exact_mut(b * comps) {
            row.copy_from_slice(last);
        }
    }
}

/// Whether the image part of a tile (`rows` rows of `used` samples, in
/// rows of `stride` samples) holds nothing but nodata. The padding of a
/// partial tile is left out: it holds zeros, not nodata, and GDAL omits an
/// edge tile whose pixels are all nodata.
fn region_is_empty<T: Pixel>(plane: &[T], stride: usize, used: usize, rows: usize, nodata: Option<f64>) -> bool {
    (0..rows).all(|r| plane[r * stride..r * stride + used].iter().all(|&v| is_empty_value(v, nodata)))
}

/// A value SPARSE_OK may drop: nodata (NaN matching NaN), or 0 without nodata.
fn is_empty_value<T: Pixel>(v: T, nodata: Option<f64>) -> bool {
    let x = v.to_f64();
    match nodata {
        Some(nd) if nd.is_nan() => x.is_nan(),
        Some(nd) => x == nd,
        None => x == 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::{mask_bits, pack_bits, spread_edges};

    #[test]
    fn odd_bit_depths_pack_msb_first_with_padded_rows() {
        // 3 samples of 4 bits per row, 2 rows: rows of 2 bytes.
        assert_eq!(pack_bits(&[1u8, 2, 15, 4, 5, 200], 3, 4), vec![0x12, 0xF0, 0x45, 0xF0]);
        // 12 bits: 0xABC, 0x123 -> AB C1 23
        assert_eq!(pack_bits(&[0xABCu16, 0x123], 2, 12), vec![0xAB, 0xC1, 0x23]);
        // 1 bit, 9 per row: two bytes per row.
        assert_eq!(pack_bits(&[1u8, 0, 1, 0, 0, 0, 0, 1, 1], 9, 1), vec![0b1010_0001, 0x80]);
    }

    #[test]
    fn edge_tiles_repeat_last_column_then_last_row() {
        // 4x4 tile, 2 samples per pixel, image part 2 columns x 3 rows.
        let mut t = vec![0u8; 4 * 4 * 2];
        for r in 0..3 {
            for c in 0..2 {
                t[(r * 4 + c) * 2] = (10 * r + c) as u8;
                t[(r * 4 + c) * 2 + 1] = 100 + (10 * r + c) as u8;
            }
        }
        spread_edges(&mut t, 4, 2, 3, 2);
        let px = |r: usize, c: usize| (t[(r * 4 + c) * 2], t[(r * 4 + c) * 2 + 1]);
        assert_eq!(px(0, 3), (1, 101));
        assert_eq!(px(2, 2), (21, 121));
        assert_eq!(px(3, 0), (20, 120));
        assert_eq!(px(3, 3), (21, 121));
        assert_eq!(px(1, 1), (11, 111));
    }

    #[test]
    fn mask_tiles_are_msb_first_bits_of_the_window() {
        // 10-pixel-wide rows; the tile starts at column 2 of row 1, 8 x 2 pixels, 16-pixel block.
        let mut valid = vec![0u8; 10 * 3];
        valid[10 + 2] = 1; // tile (0, 0)
        valid[10 + 9] = 255; // tile (7, 0)
        valid[20 + 3] = 7; // tile (1, 1)
        valid[20 + 1] = 9; // left of the tile
        let (bits, any) = mask_bits(&valid, 10, 12, 8, 2, 16);
        assert!(any);
        assert_eq!(bits.len(), 2 * 16);
        assert_eq!(&bits[..4], &[0x81, 0x00, 0x40, 0x00]);
        assert!(bits[4..].iter().all(|&b| b == 0));
        assert!(!mask_bits(&[0u8; 30], 10, 0, 10, 3, 16).1);
    }
}
