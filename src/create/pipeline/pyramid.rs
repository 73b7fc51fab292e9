//! The one-pass pyramid: full-resolution rows come in bands of tile rows;
//! every level keeps only the rows it still needs (for its own next tile row
//! and for the level below it), cuts complete tile rows into tiles and hands
//! them to a sink (which encodes them on other threads: encode_queue.rs).
//! Memory is a few tile rows per level, whatever the image height.

use crate::Result;
use crate::create::config::Config;
use crate::create::pipeline::levels::{LevelGeom, LevelSource};
use crate::create::pipeline::resample::{self, Level, Method, Window};
use crate::create::pipeline::sample::Sample;
use crate::create::pipeline::tile_encoder::{CutTile, mask_bits};
use rayon::prelude::*;

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
    /// The level this one is computed from (the one before it, or full
    /// resolution: see [`resample::source_level`]); [`FED`] for a level
    /// whose rows are pushed in (full resolution, copied overviews).
    source: usize,
    /// Next row of this level to compute from its source.
    next_row: usize,
    /// Whether its tiles are cut and handed to the sink (not for a level
    /// whose stored tiles are copied: see repack.rs).
    cut: bool,
    /// Rows at and beyond this are neither cut nor computed (a part of a
    /// distributed run: [`Pyramid::restrict`]); the height otherwise.
    cut_end: usize,
    compute_end: usize,
}

/// Which rows of one level a part of a distributed run handles (see
/// `create::parts`): it holds rows from `start` (fed or computed), cuts
/// tiles of rows [cut_start, cut_end), and computes rows up to `end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LevelWindow {
    pub start: usize,
    pub cut_start: usize,
    pub cut_end: usize,
    pub end: usize,
}

/// The `source` of a level nobody computes: its rows are pushed in.
const FED: usize = usize::MAX;

/// What the pyramid needs to know; built from [`Config`].
pub struct Pyramid<T: Sample, S: FnMut(CutTile<T>) -> Result<()>> {
    /// Samples per pixel carried (bands, doubled for complex).
    comps: usize,
    method: Method,
    nodata: Option<f64>,
    /// An alpha band that masks the colour bands in overviews (GDAL's rule).
    alpha: Option<resample::Alpha>,
    palette: Option<resample::Palette>,
    /// Complex samples (real and imaginary part per band).
    complex: bool,
    levels: Vec<LevelBuf<T>>,
    sink: S,
    /// Levels whose cut rows are also handed over whole (full width, with
    /// validity), a tile row at a time: the pixels a part stages for the
    /// levels computed at assembly.
    staged: Vec<(usize, StagedRows<'static, T>)>,
}

/// Receives the rows of the staged level: samples and validity.
pub type StagedRows<'a, T> = Box<dyn FnMut(&[T], Option<&[u8]>) -> Result<()> + Send + 'a>;

impl<T: Sample, S: FnMut(CutTile<T>) -> Result<()>> Pyramid<T, S> {
    /// `cut[k]`: whether level k's tiles go to the sink.
    pub fn new(cfg: &Config, comps: usize, with_valid: bool, cut: &[bool], sink: S) -> Self {
        let levels = cfg
            .levels
            .iter()
            .enumerate()
            .map(|(j, &geom)| LevelBuf {
                geom,
                data: Vec::new(),
                valid: with_valid.then(Vec::new),
                base: 0,
                filled: 0,
                emitted: 0,
                source: match cfg.level_sources[j] {
                    LevelSource::Computed => resample::source_level(cfg.method, cfg.complex, j),
                    LevelSource::Input | LevelSource::Copied(_) => FED,
                },
                next_row: 0,
                cut: cut[j],
                cut_end: geom.height as usize,
                compute_end: geom.height as usize,
            })
            .collect();
        Pyramid {
            comps,
            method: cfg.method,
            nodata: cfg.nodata,
            alpha: cfg.alpha,
            palette: cfg.palette.clone(),
            complex: cfg.complex,
            levels,
            sink,
            staged: Vec::new(),
        }
    }

    /// A part of a distributed run: level j handles `windows[j]`; a level
    /// without one is neither computed nor cut, a level above `k` is not
    /// cut (only staged). `staged`: the levels whose cut rows (the rows of
    /// their window) also go to a callback.
    pub fn restrict(
        &mut self,
        windows: &[Option<LevelWindow>],
        k: usize,
        staged: Vec<(usize, StagedRows<'static, T>)>,
    ) {
        let comps = self.comps;
        for (j, (l, w)) in self.levels.iter_mut().zip(windows).enumerate() {
            if j > k {
                l.cut = false;
            }
            match w {
                Some(w) => {
                    // Room for the halo rows above the first cut tile row
                    // too, so the buffer never grows by doubling.
                    let rows = l.geom.block as usize + 8 + (w.cut_start - w.start);
                    l.data.reserve_exact(rows * l.geom.width as usize * comps);
                    l.base = w.start;
                    l.filled = w.start;
                    l.next_row = w.start;
                    l.emitted = w.cut_start;
                    l.cut_end = w.cut_end;
                    l.compute_end = w.end;
                }
                None => {
                    l.source = FED;
                    l.cut = false;
                    l.cut_end = 0;
                    l.compute_end = 0;
                }
            }
        }
        self.staged = staged;
    }

    /// Assembling a distributed run: levels up to `k` are done (their tiles
    /// were made by the parts); the levels in `fed` get the parts' staged
    /// rows (level k, or the levels above it computed from full
    /// resolution), the other levels above k are computed; all above k are
    /// cut as in a single run.
    pub fn only_above(&mut self, k: usize, fed: &[usize]) {
        for l in &mut self.levels[..=k] {
            l.source = FED;
            l.cut = false;
        }
        for &j in fed {
            self.levels[j].source = FED;
        }
    }

    /// Levels computed from level k.
    fn dependents(&self, k: usize) -> impl Iterator<Item = usize> + '_ {
        (k + 1..self.levels.len()).filter(move |&j| self.levels[j].source == k)
    }

    fn level_of(g: LevelGeom) -> Level {
        Level { width: g.width as usize, height: g.height as usize }
    }

    /// Feed the next rows of level `k` (full resolution, or a level copied
    /// from the input's own overviews): all columns, `comps` per pixel.
    pub fn push(&mut self, k: usize, data: &[T], valid: Option<Vec<u8>>) -> Result<()> {
        debug_assert_eq!(self.levels[k].source, FED, "level {} is computed, not fed", k);
        self.add_rows(k, data, valid)
    }

    /// Feed the next `rows` rows of level `k` by letting `fill` write them
    /// straight into the level's buffer (no validity: inputs without a
    /// mask), which saves copying them in from a band buffer.
    pub fn push_with(&mut self, k: usize, rows: usize, fill: impl FnOnce(&mut [T]) -> Result<()>) -> Result<()> {
        debug_assert_eq!(self.levels[k].source, FED, "level {} is computed, not fed", k);
        let comps = self.comps;
        let l = &mut self.levels[k];
        let len = rows * l.geom.width as usize * comps;
        Self::reserve(l, comps, len);
        let start = l.data.len();
        l.data.resize(start + len, T::default());
        if let Err(e) = fill(&mut l.data[start..]) {
            l.data.truncate(start);
            return Err(e);
        }
        l.filled += rows;
        self.after_rows(k)
    }

    /// The buffer keeps its capacity (trim drains from the front):
    /// reserving a tile row and a bit up front means no reallocation when
    /// rows come in pieces, and none later.
    fn reserve(l: &mut LevelBuf<T>, comps: usize, incoming: usize) {
        if l.data.capacity() == 0 {
            let rows = l.geom.block as usize + 8;
            l.data.reserve((rows * l.geom.width as usize * comps).max(incoming));
        }
    }

    fn add_rows(&mut self, k: usize, data: &[T], valid: Option<Vec<u8>>) -> Result<()> {
        let comps = self.comps;
        {
            let l = &mut self.levels[k];
            let w = l.geom.width as usize;
            let n = data.len() / (w * comps);
            Self::reserve(l, comps, data.len());
            l.data.extend_from_slice(data);
            if let (Some(lv), Some(v)) = (l.valid.as_mut(), valid) {
                lv.extend_from_slice(&v);
            }
            l.filled += n;
        }
        self.after_rows(k)
    }

    /// New rows are in level k: cut its complete tile rows, compute what
    /// they allow of level k+1, drop what nobody needs any more.
    fn after_rows(&mut self, k: usize) -> Result<()> {
        self.emit_tiles(k)?;
        let deps: Vec<usize> = self.dependents(k).collect();
        for j in deps {
            self.feed(j)?;
        }
        self.trim(k);
        Ok(())
    }

    /// Compute as many rows of level j as the buffered rows of its source
    /// level allow.
    fn feed(&mut self, j: usize) -> Result<()> {
        let k = self.levels[j].source;
        let (src, dst) = (self.levels[k].geom, self.levels[j].geom);
        let (src_l, dst_l) = (Self::level_of(src), Self::level_of(dst));
        let complex = self.complex;
        loop {
            let l = &self.levels[k];
            let d0 = self.levels[j].next_row;
            let end = self.levels[j].compute_end;
            if d0 >= end {
                return Ok(());
            }
            // No more rows will come (the image's end, or a part's).
            let complete = l.filled >= l.compute_end;
            // Largest d1 whose source rows are all here; at most one tile row at a time.
            let limit = (d0 + dst.block as usize).min(end);
            let mut d1 = d0;
            while d1 < limit {
                let (_, need) = resample::src_rows_for(self.method, complex, src_l, dst_l, d0, d1 + 1);
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
            let (method, comps, nodata, alpha) = (self.method, self.comps, self.nodata, self.alpha);
            let rules = resample::Rules { nodata, alpha, palette: self.palette.as_ref(), complex };
            let parts: Vec<(Vec<T>, Option<Vec<u8>>)> = starts
                .par_iter()
                .map(|&a| {
                    let a1 = (a + chunk).min(d1);
                    resample::resample_with(method, src_l, &win, comps, dst_l, a, a1, &rules)
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
            self.levels[j].next_row = d1;
            self.add_rows(j, &out, vout)?;
        }
    }

    /// Drop rows that neither this level's tiles nor the levels computed
    /// from it need.
    fn trim(&mut self, k: usize) {
        let (method, complex) = (self.method, self.complex);
        let keep_from = {
            let l = &self.levels[k];
            let mut keep = l.emitted;
            for j in self.dependents(k) {
                let next = &self.levels[j];
                if next.next_row < next.compute_end {
                    let (src_l, dst_l) = (Self::level_of(l.geom), Self::level_of(next.geom));
                    let (need0, _) =
                        resample::src_rows_for(method, complex, src_l, dst_l, next.next_row, next.next_row + 1);
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

    /// Cut every complete tile row of level k into tiles and hand them to
    /// the sink (which encodes them, on other threads).
    fn emit_tiles(&mut self, k: usize) -> Result<()> {
        loop {
            let l = &self.levels[k];
            let g = l.geom;
            let (b, w) = (g.block as usize, g.width as usize);
            let row0 = l.emitted;
            // The last rows may be fewer than a tile row: the image's end, or
            // the end of the rows a part stages of a level it does not cut.
            if row0 >= l.cut_end || (l.filled < row0 + b && l.filled < l.cut_end) {
                return Ok(());
            }
            let rows = b.min(l.cut_end - row0);
            if let Some((_, keep)) = self.staged.iter_mut().find(|s| s.0 == k) {
                let (off, w, comps) = (row0 - l.base, w, self.comps);
                let data = &l.data[off * w * comps..(off + rows) * w * comps];
                let valid = l.valid.as_ref().map(|v| &v[off * w..(off + rows) * w]);
                keep(data, valid)?;
            }
            if !l.cut {
                self.levels[k].emitted = row0 + rows;
                continue;
            }
            let across = g.tiles_across() as usize;
            let tile_row = row0 / b;
            let off = row0 - l.base;
            let comps = self.comps;
            for col in 0..across {
                let l = &self.levels[k];
                let x0 = col * b;
                let cols = b.min(w - x0);
                let row = |r: usize| &l.data[((off + r) * w + x0) * comps..((off + r) * w + x0 + cols) * comps];
                let data = if cols == b && rows == b {
                    // Interior tile: every sample comes from the rows, no fill first.
                    let mut data = Vec::with_capacity(b * b * comps);
                    (0..rows).for_each(|r| data.extend_from_slice(row(r)));
                    data
                } else {
                    // Outside the image a partial tile holds zeros, nodata or
                    // not: what GDAL writes, so that the compressed tiles are
                    // its bytes (JPEG and WebP repeat the edge instead; see
                    // spread_edges).
                    let mut data = vec![T::from_f64(0.0); b * b * comps];
                    for r in 0..rows {
                        data[r * b * comps..(r * b + cols) * comps].copy_from_slice(row(r));
                    }
                    data
                };
                let mask = l.valid.as_ref().map(|v| mask_bits(v, w, off * w + x0, cols, rows, b));
                (self.sink)(CutTile { level: k, index: tile_row * across + col, data, cols, rows, mask })?;
            }
            self.levels[k].emitted = row0 + rows;
        }
    }
}
