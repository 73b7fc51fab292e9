//! The one-pass pyramid: full-resolution rows come in bands of tile rows;
//! every level keeps only the rows it still needs (for its own next tile row
//! and for the level below it), cuts complete tile rows into tiles, encodes
//! them on all cores and hands them to a sink. Memory is a few tile rows per
//! level, whatever the image height.

use super::config::Config;
use super::levels::LevelGeom;
use super::resample::{self, Level, Method, Pixel, Window};
use crate::Result;
use crate::codec::{self, BlockLayout, EncodeOptions};
use crate::tiff::{ByteOrder, SampleFormat};
use rayon::prelude::*;

/// A sample type the pipeline can carry: resamplable, and (de)serialisable
/// as little-endian bytes.
pub trait Sample: Pixel {
    const BYTES: usize;
    fn read_le(b: &[u8]) -> Self;
    fn write_le(self, out: &mut [u8]);
}

macro_rules! sample {
    ($($t:ty),*) => {$(
        impl Sample for $t {
            const BYTES: usize = std::mem::size_of::<$t>();
            #[inline(always)]
            fn read_le(b: &[u8]) -> Self { <$t>::from_le_bytes(b.try_into().unwrap()) }
            #[inline(always)]
            fn write_le(self, out: &mut [u8]) { out.copy_from_slice(&self.to_le_bytes()) }
        }
    )*};
}
sample!(u8, i8, u16, i16, u32, i32, u64, i64, f32, f64);

pub fn from_le<T: Sample>(bytes: &[u8]) -> Vec<T> {
    bytes.par_chunks_exact(T::BYTES).with_min_len(1 << 16).map(T::read_le).collect()
}

/// One encoded tile of one level: image payload and, with a mask, mask payload.
/// An empty payload means "sparse: write nothing".
/// One tile compressed: the image bytes and, with a mask, the mask bytes.
type EncodedPair = (Vec<Vec<u8>>, Option<Vec<u8>>);

pub struct EncodedTile {
    pub level: usize,
    /// Tile index within one plane (row major).
    pub index: usize,
    /// One payload per plane: a single one when pixel-interleaved, one per
    /// band with `--interleave band` (PlanarConfiguration 2).
    pub image: Vec<Vec<u8>>,
    pub mask: Option<Vec<u8>>,
}

/// Rows of one level kept in memory.
struct LevelBuf<T> {
    geom: LevelGeom,
    /// Samples of rows [base, base + rows), `bands` per pixel.
    data: Vec<T>,
    valid: Option<Vec<u8>>,
    base: usize,
    /// Rows received so far (= base + buffered rows).
    filled: usize,
    /// Rows already cut into tiles.
    emitted: usize,
    /// Next row of the level below to compute.
    next_dst: usize,
}

/// What the pyramid needs to know; built from [`Config`].
pub struct Pyramid<'a, T: Sample, S: FnMut(EncodedTile) -> Result<()>> {
    cfg: &'a Config,
    /// Samples per pixel carried (bands, doubled for complex).
    comps: usize,
    sample_format: SampleFormat,
    method: Method,
    nodata: Option<f64>,
    fill: T,
    levels: Vec<LevelBuf<T>>,
    sink: S,
    /// Progress callback: tiles done.
    pub on_tiles: Box<dyn FnMut(u64) + 'a>,
}

impl<'a, T: Sample, S: FnMut(EncodedTile) -> Result<()>> Pyramid<'a, T, S> {
    pub fn new(cfg: &'a Config, comps: usize, sample_format: SampleFormat, with_valid: bool, sink: S) -> Self {
        let levels = cfg
            .levels
            .iter()
            .map(|&geom| LevelBuf {
                geom,
                data: Vec::new(),
                valid: with_valid.then(Vec::new),
                base: 0,
                filled: 0,
                emitted: 0,
                next_dst: 0,
            })
            .collect();
        Pyramid {
            cfg,
            comps,
            sample_format,
            method: cfg.method,
            nodata: cfg.nodata,
            fill: T::from_f64(cfg.nodata.filter(|v| !v.is_nan() || T::FLOAT).unwrap_or(0.0)),
            levels,
            sink,
            on_tiles: Box::new(|_| {}),
        }
    }

    /// Feed the next full-resolution rows (all columns, `comps` per pixel).
    pub fn push(&mut self, data: Vec<T>, valid: Option<Vec<u8>>) -> Result<()> {
        self.add_rows(0, data, valid)
    }

    fn add_rows(&mut self, k: usize, data: Vec<T>, valid: Option<Vec<u8>>) -> Result<()> {
        let comps = self.comps;
        {
            let l = &mut self.levels[k];
            let w = l.geom.width as usize;
            let n = data.len() / (w * comps);
            if l.data.is_empty() {
                l.data = data;
            } else {
                l.data.extend_from_slice(&data);
            }
            if let (Some(lv), Some(v)) = (l.valid.as_mut(), valid) {
                lv.extend_from_slice(&v);
            }
            l.filled += n;
        }
        self.emit_tiles(k)?;
        if k + 1 < self.levels.len() {
            self.feed_next(k)?;
        }
        self.trim(k);
        Ok(())
    }

    /// Compute as many rows of level k+1 as the buffered rows of level k allow.
    fn feed_next(&mut self, k: usize) -> Result<()> {
        let (src, dst) = (self.levels[k].geom, self.levels[k + 1].geom);
        let src_l = Level { width: src.width as usize, height: src.height as usize };
        let dst_l = Level { width: dst.width as usize, height: dst.height as usize };
        loop {
            let l = &self.levels[k];
            let d0 = l.next_dst;
            if d0 >= dst_l.height {
                return Ok(());
            }
            let complete = l.filled >= src_l.height;
            // Largest d1 whose source rows are all here; at most one tile row at a time.
            let limit = (d0 + dst.block as usize).min(dst_l.height);
            let mut d1 = d0;
            while d1 < limit {
                let (_, need) = resample::src_rows_needed(self.method, src_l, dst_l, d0, d1 + 1);
                if need > l.filled && !complete {
                    break;
                }
                d1 += 1;
            }
            if d1 == d0 {
                return Ok(());
            }
            let rows = l.filled - l.base;
            let win = Window { data: &l.data, valid: l.valid.as_deref(), y0: l.base, rows };
            // Split the destination rows across cores; each chunk reads the
            // shared source window, results are concatenated in order.
            let chunk = (d1 - d0).div_ceil(rayon::current_num_threads().max(1) * 2).max(8);
            let starts: Vec<usize> = (d0..d1).step_by(chunk).collect();
            let (method, comps, nodata, alpha) = (self.method, self.comps, self.nodata, self.cfg.alpha);
            let parts: Vec<(Vec<T>, Option<Vec<u8>>)> = starts
                .par_iter()
                .map(|&a| {
                    let a1 = (a + chunk).min(d1);
                    resample::resample_with_alpha(method, src_l, &win, comps, dst_l, a, a1, nodata, alpha)
                })
                .collect();
            let mut out = Vec::with_capacity((d1 - d0) * dst_l.width * comps);
            let mut vout: Option<Vec<u8>> = l.valid.as_ref().map(|_| Vec::with_capacity((d1 - d0) * dst_l.width));
            for (p, v) in parts {
                out.extend_from_slice(&p);
                if let (Some(vo), Some(v)) = (vout.as_mut(), v) {
                    vo.extend_from_slice(&v);
                }
            }
            self.levels[k].next_dst = d1;
            self.add_rows(k + 1, out, vout)?;
        }
    }

    /// Drop rows that neither this level's tiles nor the next level need.
    fn trim(&mut self, k: usize) {
        let method = self.method;
        let keep_from = {
            let l = &self.levels[k];
            let mut keep = l.emitted;
            if let Some(next) = self.levels.get(k + 1) {
                let (src, dst) = (l.geom, next.geom);
                if l.next_dst < dst.height as usize {
                    let src_l = Level { width: src.width as usize, height: src.height as usize };
                    let dst_l = Level { width: dst.width as usize, height: dst.height as usize };
                    let (need0, _) = resample::src_rows_needed(method, src_l, dst_l, l.next_dst, l.next_dst + 1);
                    keep = keep.min(need0);
                }
            }
            keep.min(l.filled)
        };
        let comps = self.comps;
        let l = &mut self.levels[k];
        if keep_from > l.base {
            let w = l.geom.width as usize;
            let drop = keep_from - l.base;
            l.data.drain(..drop * w * comps);
            if let Some(v) = l.valid.as_mut() {
                v.drain(..drop * w);
            }
            l.base = keep_from;
        }
    }

    /// Cut every complete tile row of level k into tiles, encode and sink them.
    fn emit_tiles(&mut self, k: usize) -> Result<()> {
        loop {
            let l = &self.levels[k];
            let g = l.geom;
            let (bh, h) = (g.block as usize, g.height as usize);
            let row0 = l.emitted;
            if row0 >= h || (l.filled < row0 + bh && l.filled < h) {
                return Ok(());
            }
            let rows = bh.min(h - row0);
            let tiles = self.encode_tile_row(k, row0, rows)?;
            let across = g.tiles_across() as usize;
            let tile_row = row0 / bh;
            for (col, (image, mask)) in tiles.into_iter().enumerate() {
                (self.sink)(EncodedTile { level: k, index: tile_row * across + col, image, mask })?;
            }
            (self.on_tiles)(across as u64);
            self.levels[k].emitted = row0 + rows;
        }
    }

    fn encode_tile_row(&self, k: usize, row0: usize, rows: usize) -> Result<Vec<EncodedPair>> {
        let l = &self.levels[k];
        let g = l.geom;
        let (b, w) = (g.block as usize, g.width as usize);
        let comps = self.comps;
        let cfg = self.cfg;
        let fill = self.fill;
        let nodata = self.nodata;
        let off = row0 - l.base;
        let across = g.tiles_across() as usize;
        let planes = if cfg.separate { cfg.bands } else { 1 };
        let layout = BlockLayout {
            width: b,
            height: b,
            samples: cfg.bands / planes,
            bits_per_sample: cfg.nbits.unwrap_or((cfg.sample_bytes * 8) as u16),
            sample_format: self.sample_format,
            byte_order: ByteOrder::Little,
            predictor: cfg.predictor.max(1),
            photometric: cfg.photometric,
            jpeg_tables: None,
        };
        let enc = EncodeOptions {
            compression: cfg.codec.tag(),
            level: cfg.level,
            quality: cfg.quality,
            predictor: cfg.predictor.max(1),
        };
        let mask_layout = BlockLayout {
            width: b,
            height: b,
            samples: 1,
            bits_per_sample: 1,
            sample_format: SampleFormat::Uint,
            byte_order: ByteOrder::Little,
            predictor: 1,
            photometric: 4,
            jpeg_tables: None,
        };
        let mask_enc = EncodeOptions { compression: 8, level: None, quality: None, predictor: 1 };
        let with_mask = cfg.with_mask();
        let jpeg = cfg.jpeg_tables.is_some();
        (0..across)
            .into_par_iter()
            .map(|col| {
                let x0 = col * b;
                let cols = b.min(w - x0);
                let mut tile = vec![fill; b * b * comps];
                for r in 0..rows {
                    let src = &l.data[((off + r) * w + x0) * comps..((off + r) * w + x0 + cols) * comps];
                    tile[r * b * comps..(r * b + cols) * comps].copy_from_slice(src);
                }
                if jpeg {
                    spread_edges(&mut tile, b, cols, rows, comps);
                }
                // Band interleave: plane p holds component group p of every pixel.
                let per_plane = comps / planes;
                let mut image = Vec::with_capacity(planes);
                for p in 0..planes {
                    let plane: Vec<T> = if planes == 1 {
                        std::mem::take(&mut tile)
                    } else {
                        tile.chunks_exact(comps)
                            .flat_map(|px| px[p * per_plane..(p + 1) * per_plane].iter().copied())
                            .collect()
                    };
                    if cfg.sparse && plane.iter().all(|&v| is_empty_value(v, nodata)) {
                        image.push(Vec::new());
                        continue;
                    }
                    let bytes = match cfg.nbits {
                        Some(n) => pack_bits(&plane, b * (comps / planes), n),
                        None => {
                            let mut bytes = vec![0u8; plane.len() * T::BYTES];
                            for (v, o) in plane.iter().zip(bytes.chunks_exact_mut(T::BYTES)) {
                                v.write_le(o);
                            }
                            bytes
                        }
                    };
                    let full = codec::encode(&enc, &bytes, &layout)?;
                    image.push(if jpeg { codec::split_jpeg_quant_tables(&full)?.1 } else { full });
                }
                let mask = if with_mask {
                    let valid = l.valid.as_ref().expect("mask rows");
                    let row_bytes = b.div_ceil(8);
                    let mut bits = vec![0u8; row_bytes * b];
                    let mut any = false;
                    for r in 0..rows {
                        let src = &valid[(off + r) * w + x0..(off + r) * w + x0 + cols];
                        for (x, &v) in src.iter().enumerate() {
                            if v != 0 {
                                bits[r * row_bytes + x / 8] |= 0x80 >> (x % 8);
                                any = true;
                            }
                        }
                    }
                    if cfg.sparse && !any {
                        Some(Vec::new())
                    } else {
                        Some(codec::encode(&mask_enc, &bits, &mask_layout)?)
                    }
                } else {
                    None
                };
                Ok((image, mask))
            })
            .collect()
    }
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
    use super::{pack_bits, spread_edges};

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
}
