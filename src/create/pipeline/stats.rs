//! Band statistics computed while the full-resolution pixels pass through
//! the pipeline (GDAL's `STATISTICS=YES` of the COG driver, GDAL 3.8+):
//! minimum, maximum, mean, standard deviation and the percentage of valid
//! pixels of every output band, exact (every pixel, no overview), written
//! as GDAL writes them (`STATISTICS_*` items of GDAL_METADATA, `%.14g`).
//!
//! Validity follows `GDALRasterBand::ComputeStatistics`: NaN never counts;
//! with a nodata value, samples equal to it (in the band's type) do not
//! count; without one, pixels the output's mask marks invalid do not count,
//! nor, when an alpha band masks the others, pixels whose alpha is 0 (the
//! alpha band itself counts all of its pixels). Complex bands count their
//! real part, as GDAL does.
//!
//! Byte samples are counted in a histogram and other integer samples of up
//! to 32 bits summed exactly (128-bit sums), so mean and standard
//! deviation are GDAL's to the last digit for Byte and UInt16; other types
//! use one pass of sums shifted by a chunk's first valid sample, chunks
//! merged with Chan's formula (within float rounding of GDAL's Welford
//! loop).

use crate::create::pipeline::sample::Sample;
use crate::tiff::gdal_metadata::Item;
use crate::tiff::nodata::format_g;
use rayon::prelude::*;

/// Which samples count.
#[derive(Clone, Copy, Debug)]
pub struct Validity {
    /// The nodata value as the band's type holds it (None: no nodata, or
    /// one the type cannot hold, which then masks nothing).
    pub nodata: Option<f64>,
    /// Whether the output's mask decides validity (GDAL: only without a
    /// nodata value).
    pub use_mask: bool,
    /// Without nodata or mask: the band whose zero alpha makes the other
    /// bands' pixels invalid.
    pub alpha: Option<usize>,
}

/// Running statistics of one band.
#[derive(Clone, Copy, Debug, Default)]
struct Band {
    count: u64,
    min: f64,
    max: f64,
    mean: f64,
    m2: f64,
    /// Exact sums for integer samples of up to 32 bits.
    sum: i128,
    sum_sq: i128,
}

impl Band {
    fn merge(&mut self, o: &Band) {
        if o.count == 0 {
            return;
        }
        if self.count == 0 {
            *self = *o;
            return;
        }
        let (n, m) = (self.count as f64, o.count as f64);
        let total = n + m;
        let delta = o.mean - self.mean;
        self.mean += delta * m / total;
        self.m2 += o.m2 + delta * delta * n * m / total;
        self.count += o.count;
        self.min = self.min.min(o.min);
        self.max = self.max.max(o.max);
        self.sum += o.sum;
        self.sum_sq += o.sum_sq;
    }
}

/// Statistics of every band of level 0, fed band of rows by band of rows.
///
/// The pixels are taken in blocks of [`BLOCK_ROWS`] rows on absolute row
/// multiples (chunks of at most [`CHUNK_PIXELS`] inside each), and the
/// blocks merged in row order. So the result depends on the image alone,
/// never on how the rows were fed, the threads, or how a distributed run
/// cut the image: its parts keep each block's state ([`Statistics::keep_blocks`])
/// and the assembly merges them in the same order ([`Statistics::merge_staged`]).
pub struct Statistics {
    bands: Vec<Band>,
    /// Pixels seen (valid or not).
    pixels: u64,
    rule: Validity,
    /// Samples per pixel in the rows (bands x parts).
    comps: usize,
    /// 2 for complex samples (real, imaginary), else 1.
    parts: usize,
    /// Mean and deviation from the exact sums (integers of up to 32 bits).
    exact: bool,
    /// Absolute row of the next row fed.
    row: u64,
    /// Rows that count, [start, end): a part's stripe, not its halo.
    window: (u64, u64),
    width: usize,
    /// Rows of the unfinished block (a `Vec<T>`) and their mask bytes.
    pending: Option<Box<dyn std::any::Any + Send>>,
    pending_valid: Vec<u8>,
    /// Each block's state in row order, when kept (a distributed part).
    kept: Option<Vec<Vec<Band>>>,
}

/// Pixels per parallel chunk: the chunking depends on the input alone, so
/// the result is the same whatever the number of threads (and 16-bit sums
/// of squares of one chunk fit in 64 bits).
const CHUNK_PIXELS: usize = 1 << 16;

/// Rows per block: a divisor of every stripe height of a distributed run
/// (tile sides are multiples of 16).
pub const BLOCK_ROWS: u64 = 16;

/// Bytes of one band's state in a staged file.
const STATE_BYTES: usize = 8 * 5 + 16 * 2;

impl Statistics {
    /// Statistics of `bands` bands of samples `T`, fed from absolute row
    /// `first`, counting the rows of `window` only.
    pub fn new<T: Sample>(bands: usize, parts: usize, rule: Validity, first: u64, window: (u64, u64)) -> Statistics {
        Statistics {
            bands: vec![Band::default(); bands],
            pixels: 0,
            rule,
            comps: bands * parts,
            parts,
            exact: !T::FLOAT && T::BYTES <= 4 && parts == 1,
            row: first,
            window,
            width: 0,
            pending: None,
            pending_valid: Vec::new(),
            kept: None,
        }
    }

    /// Keep every block's state (see [`Statistics::staged`]).
    pub fn keep_blocks(mut self) -> Statistics {
        self.kept = Some(Vec::new());
        self
    }

    /// Add full rows of `width` pixels; `valid` holds one byte per pixel
    /// (the output's mask) when there is one.
    pub fn add<T: Sample>(&mut self, data: &[T], width: usize, valid: Option<&[u8]>) {
        let row = width * self.comps;
        if row == 0 {
            return;
        }
        self.width = width;
        let rows = (data.len() / row) as u64;
        let (a, b) = (self.row, self.row + rows);
        self.row = b;
        let (lo, hi) = (a.max(self.window.0), b.min(self.window.1));
        if lo >= hi {
            return;
        }
        let cut = |x: u64| (x - a) as usize;
        let mut data = &data[cut(lo) * row..cut(hi) * row];
        let mut valid = valid.map(|v| &v[cut(lo) * width..cut(hi) * width]);
        self.pixels += (hi - lo) * width as u64;
        let mut at = lo;
        // First complete the block begun by the last call.
        if let Some(mut pending) = self.pending.take() {
            let buf = pending.downcast_mut::<Vec<T>>().expect("statistics fed one sample type");
            let need = (BLOCK_ROWS - at % BLOCK_ROWS).min(hi - at) as usize;
            buf.extend_from_slice(&data[..need * row]);
            if let Some(v) = valid {
                self.pending_valid.extend_from_slice(&v[..need * width]);
            }
            data = &data[need * row..];
            valid = valid.map(|v| &v[need * width..]);
            at += need as u64;
            if at.is_multiple_of(BLOCK_ROWS) {
                let pv = std::mem::take(&mut self.pending_valid);
                let state = self.block(buf, (!pv.is_empty()).then_some(&pv[..]));
                self.merge_block(state);
            } else {
                self.pending = Some(pending);
                return;
            }
        }
        // Whole blocks, in parallel, merged in order.
        let whole = ((hi - at) / BLOCK_ROWS) as usize;
        let block_len = BLOCK_ROWS as usize * row;
        let block_px = BLOCK_ROWS as usize * width;
        debug_assert!(at.is_multiple_of(BLOCK_ROWS), "blocks start on row multiples of {}", BLOCK_ROWS);
        let shape = self.shape();
        let states: Vec<Vec<Band>> = data[..whole * block_len]
            .par_chunks(block_len)
            .enumerate()
            .map(|(i, blk)| block_state(shape, blk, valid.map(|v| &v[i * block_px..(i + 1) * block_px])))
            .collect();
        for st in states {
            self.merge_block(st);
        }
        // The rest waits for the next rows.
        let rest = &data[whole * block_len..];
        if !rest.is_empty() {
            self.pending = Some(Box::new(rest.to_vec()));
            self.pending_valid = valid.map(|v| v[whole * block_px..].to_vec()).unwrap_or_default();
        }
    }

    /// Take in the last, partial block (the image's bottom rows).
    pub fn finish<T: Sample>(&mut self) {
        if let Some(pending) = self.pending.take() {
            let buf = pending.downcast::<Vec<T>>().expect("statistics fed one sample type");
            let pv = std::mem::take(&mut self.pending_valid);
            let state = self.block(&buf, (!pv.is_empty()).then_some(&pv[..]));
            self.merge_block(state);
        }
    }

    fn shape(&self) -> Shape {
        Shape { comps: self.comps, parts: self.parts, rule: self.rule, nb: self.bands.len() }
    }

    fn block<T: Sample>(&self, data: &[T], valid: Option<&[u8]>) -> Vec<Band> {
        block_state(self.shape(), data, valid)
    }
    fn merge_block(&mut self, state: Vec<Band>) {
        for (acc, s) in self.bands.iter_mut().zip(&state) {
            acc.merge(s);
        }
        if let Some(k) = &mut self.kept {
            k.push(state);
        }
    }

    /// The kept block states and the pixel count, as a part stages them:
    /// pixels, blocks, bands (u64 LE), then each block's band states.
    pub fn staged(&self) -> Vec<u8> {
        let kept = self.kept.as_deref().unwrap_or_default();
        let mut out = Vec::with_capacity(24 + kept.len() * self.bands.len() * STATE_BYTES);
        for v in [self.pixels, kept.len() as u64, self.bands.len() as u64] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for b in kept.iter().flatten() {
            out.extend_from_slice(&b.count.to_le_bytes());
            for f in [b.min, b.max, b.mean, b.m2] {
                out.extend_from_slice(&f.to_le_bytes());
            }
            out.extend_from_slice(&b.sum.to_le_bytes());
            out.extend_from_slice(&b.sum_sq.to_le_bytes());
        }
        out
    }

    /// Merge a part's staged states (parts in row order), checking their
    /// shape; `what` names the part for errors.
    pub fn merge_staged(&mut self, bytes: &[u8], what: &str) -> crate::Result<()> {
        let bad = || crate::Error::format(format!("{}: the staged statistics are cut short or damaged", what));
        let word = |i: usize| bytes.get(i * 8..i * 8 + 8).map(|b| u64::from_le_bytes(b.try_into().unwrap()));
        let (pixels, blocks, bands) = (word(0).ok_or_else(bad)?, word(1).ok_or_else(bad)?, word(2).ok_or_else(bad)?);
        let body = &bytes[24..];
        if bands as usize != self.bands.len()
            || (body.len() as u64) != blocks.saturating_mul(bands).saturating_mul(STATE_BYTES as u64)
        {
            return Err(bad());
        }
        for block in body.chunks_exact(STATE_BYTES * self.bands.len()) {
            let state = block
                .chunks_exact(STATE_BYTES)
                .map(|c| {
                    let f = |i: usize| f64::from_le_bytes(c[8 + i * 8..16 + i * 8].try_into().unwrap());
                    Band {
                        count: u64::from_le_bytes(c[..8].try_into().unwrap()),
                        min: f(0),
                        max: f(1),
                        mean: f(2),
                        m2: f(3),
                        sum: i128::from_le_bytes(c[40..56].try_into().unwrap()),
                        sum_sq: i128::from_le_bytes(c[56..72].try_into().unwrap()),
                    }
                })
                .collect();
            self.merge_block(state);
        }
        self.pixels += pixels;
        Ok(())
    }

    /// GDAL's items for every band, in GDAL's (alphabetical) order.
    pub fn items(&self) -> Vec<Vec<Item>> {
        let exact = self.exact;
        self.bands
            .iter()
            .enumerate()
            .map(|(b, s)| {
                let item = |name: &str, value: String| Item {
                    name: name.into(),
                    value,
                    sample: Some(b as u32),
                    role: None,
                    domain: None,
                };
                let mut v = Vec::new();
                if s.count > 0 {
                    let n = s.count as f64;
                    let (mean, std) = if exact {
                        let var = s.sum_sq * s.count as i128 - s.sum * s.sum;
                        (s.sum as f64 / n, (var.max(0) as f64).sqrt() / n)
                    } else {
                        (s.mean, (s.m2 / n).max(0.0).sqrt())
                    };
                    v.push(item("STATISTICS_MAXIMUM", format_g(s.max, 14)));
                    v.push(item("STATISTICS_MEAN", format_g(mean, 14)));
                    v.push(item("STATISTICS_MINIMUM", format_g(s.min, 14)));
                    v.push(item("STATISTICS_STDDEV", format_g(std, 14)));
                }
                v.push(item("STATISTICS_VALID_PERCENT", valid_percent(self.pixels, s.count)));
                v
            })
            .collect()
    }
}

/// What a block's computation needs of [`Statistics`].
#[derive(Clone, Copy)]
struct Shape {
    comps: usize,
    parts: usize,
    rule: Validity,
    nb: usize,
}

/// One block's state: its chunks, from its first pixel, merged in order.
fn block_state<T: Sample>(sh: Shape, data: &[T], valid: Option<&[u8]>) -> Vec<Band> {
    let mask = if sh.rule.use_mask { valid } else { None };
    let mut acc = vec![Band::default(); sh.nb];
    for (c, chunk) in data.chunks(CHUNK_PIXELS * sh.comps).enumerate() {
        let p0 = c * CHUNK_PIXELS;
        let m = mask.map(|m| &m[p0..p0 + chunk.len() / sh.comps]);
        for (a, s) in acc.iter_mut().zip(chunk_stats(chunk, sh.comps, sh.parts, sh.nb, m, sh.rule)) {
            a.merge(&s);
        }
    }
    acc
}

/// GDAL's STATISTICS_VALID_PERCENT text: an indicator with 4 significant
/// digits, never "100" unless every pixel is valid.
fn valid_percent(pixels: u64, valid: u64) -> String {
    if valid == 0 {
        return "0".into();
    }
    if valid == pixels {
        return "100".into();
    }
    let s = format_g(100.0 * valid as f64 / pixels as f64, 4);
    if s == "100" { "99.999".into() } else { s }
}

/// Whether pixel `i` of a chunk (`px` its samples) counts at all: the
/// mask, then a zero alpha (for the other bands: `None` when alpha decides
/// nothing for this pixel).
#[inline(always)]
fn pixel_counts<T: Sample>(i: usize, px: &[T], m: Option<&[u8]>, alpha_comp: Option<usize>) -> (bool, bool) {
    if m.is_some_and(|m| m[i] == 0) {
        return (false, false);
    }
    (true, alpha_comp.is_some_and(|a| px[a].to_f64() == 0.0))
}

/// Every band's statistics over a chunk of whole pixels (`parts`
/// components per band; `m`: the chunk's mask), in one pass: byte samples
/// through a histogram, other integers of up to 32 bits through exact
/// sums, floating point through sums of deviations from a shift.
fn chunk_stats<T: Sample>(
    chunk: &[T],
    comps: usize,
    parts: usize,
    nb: usize,
    m: Option<&[u8]>,
    rule: Validity,
) -> Vec<Band> {
    let alpha_comp = rule.alpha.map(|a| a * parts);
    let alpha_band = rule.alpha;
    // Whether band b's sample x counts, given the pixel's alpha verdict.
    let counts = |b: usize, x: f64, alpha_zero: bool| {
        let hidden_by_alpha = alpha_zero && alpha_band != Some(b);
        !hidden_by_alpha && !x.is_nan() && rule.nodata != Some(x)
    };
    if !T::FLOAT && T::BYTES == 1 {
        // 256 bins per band: min, max, sums and count follow exactly.
        let mut hist = vec![[0u64; 256]; nb];
        let offset = T::MIN;
        if m.is_none() && alpha_comp.is_none() {
            // The common case: count the bytes themselves, then drop the
            // nodata bin (integers have no NaN).
            let bytes: &[u8] = bytemuck::cast_slice(chunk);
            for px in bytes.chunks_exact(comps) {
                for (b, h) in hist.iter_mut().enumerate() {
                    h[px[b * parts] as usize] += 1;
                }
            }
            let signed = offset < 0.0;
            let value = |k: usize| if signed { (k as u8 as i8) as f64 } else { k as f64 };
            let bin = |v: f64| if signed { (v as i8) as u8 as usize } else { v as usize };
            if let Some(nd) = rule.nodata.filter(|&v| v >= offset && v <= T::MAX && v.fract() == 0.0) {
                hist.iter_mut().for_each(|h| h[bin(nd)] = 0);
            }
            return hist.iter().map(|h| from_histogram(h, value)).collect();
        }
        for (i, px) in chunk.chunks_exact(comps).enumerate() {
            let (ok, alpha_zero) = pixel_counts(i, px, m, alpha_comp);
            if !ok {
                continue;
            }
            for (b, h) in hist.iter_mut().enumerate() {
                let x = px[b * parts].to_f64();
                if counts(b, x, alpha_zero) {
                    h[(x - offset) as usize] += 1;
                }
            }
        }
        return hist.iter().map(|h| from_histogram(h, |k| k as f64 + offset)).collect();
    }
    let exact = !T::FLOAT && T::BYTES <= 4;
    let mut acc = vec![Band { min: f64::INFINITY, max: f64::NEG_INFINITY, ..Band::default() }; nb];
    // Floating point: sums of deviations from a shift (the band's first
    // valid sample in the chunk, close to its mean in practice), so one
    // pass gives the moments without the cancellation of raw squares.
    let mut shift: Vec<Option<f64>> = vec![None; nb];
    let (mut sums, mut squares) = (vec![0.0f64; nb], vec![0.0f64; nb]);
    for (i, px) in chunk.chunks_exact(comps).enumerate() {
        let (ok, alpha_zero) = pixel_counts(i, px, m, alpha_comp);
        if !ok {
            continue;
        }
        for (b, s) in acc.iter_mut().enumerate() {
            let x = px[b * parts].to_f64();
            if !counts(b, x, alpha_zero) {
                continue;
            }
            s.count += 1;
            s.min = s.min.min(x);
            s.max = s.max.max(x);
            if exact {
                // Chunks are small enough that 16-bit squares never overflow
                // i64; 32-bit ones need the i128.
                let v = x as i64;
                s.sum += v as i128;
                s.sum_sq += if T::BYTES <= 2 { (v * v) as i128 } else { v as i128 * v as i128 };
            } else {
                let d = x - *shift[b].get_or_insert(x);
                sums[b] += d;
                squares[b] += d * d;
            }
        }
    }
    if exact {
        return acc.into_iter().map(finish_exact).collect();
    }
    acc.into_iter()
        .enumerate()
        .map(|(b, s)| {
            if s.count == 0 {
                return Band::default();
            }
            let n = s.count as f64;
            let k = shift[b].unwrap_or(0.0);
            let mean_d = sums[b] / n;
            Band { mean: k + mean_d, m2: (squares[b] - sums[b] * mean_d).max(0.0), ..s }
        })
        .collect()
}

/// A band's statistics from its histogram (`value` of each bin).
fn from_histogram(h: &[u64; 256], value: impl Fn(usize) -> f64) -> Band {
    let mut s = Band { min: f64::INFINITY, max: f64::NEG_INFINITY, ..Band::default() };
    for (k, &c) in h.iter().enumerate().filter(|(_, c)| **c > 0) {
        let v = value(k);
        s.count += c;
        s.min = s.min.min(v);
        s.max = s.max.max(v);
        s.sum += v as i128 * c as i128;
        s.sum_sq += (v as i128) * (v as i128) * c as i128;
    }
    finish_exact(s)
}

/// Mean and squared deviations of a band from its exact sums.
fn finish_exact(mut s: Band) -> Band {
    if s.count == 0 {
        return Band::default();
    }
    s.mean = s.sum as f64 / s.count as f64;
    let var = s.sum_sq * s.count as i128 - s.sum * s.sum;
    s.m2 = var.max(0) as f64 / s.count as f64;
    s
}

/// Put each band's statistics items where GDAL writes them: among the
/// band's default-domain items, in name order (GDAL keeps those sorted),
/// before its role items (description, offset, scale...); a band without
/// items of its own gets them after the bands before it.
pub fn insert_items(metadata: &mut Vec<Item>, per_band: Vec<Vec<Item>>) {
    let plain = |i: &Item, b: u32| i.sample == Some(b) && i.domain.is_none() && i.role.is_none();
    for (b, items) in per_band.into_iter().enumerate() {
        let b = b as u32;
        for item in items {
            let key = item.name.to_ascii_uppercase();
            let at = metadata
                .iter()
                .position(|i| plain(i, b) && i.name.to_ascii_uppercase() > key)
                .or_else(|| metadata.iter().rposition(|i| plain(i, b)).map(|p| p + 1))
                .or_else(|| metadata.iter().position(|i| i.sample == Some(b)))
                .or_else(|| {
                    metadata.iter().position(|i| {
                        i.sample.is_some_and(|s| s > b)
                            || (i.sample.is_none() && i.domain.as_deref() == Some("IMAGE_STRUCTURE"))
                    })
                })
                .unwrap_or(metadata.len());
            metadata.insert(at, item);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(name: &str, sample: Option<u32>, role: Option<&str>) -> Item {
        Item { name: name.into(), value: String::new(), sample, role: role.map(String::from), domain: None }
    }

    #[test]
    fn valid_percent_is_gdals_text() {
        assert_eq!(valid_percent(3000, 0), "0");
        assert_eq!(valid_percent(3000, 3000), "100");
        assert_eq!(valid_percent(3000, 1000), "33.33");
        assert_eq!(valid_percent(60000, 59999), "99.999");
        assert_eq!(valid_percent(3000, 2999), "99.97");
        assert_eq!(valid_percent(60000, 57000), "95");
    }

    #[test]
    fn byte_statistics_are_exact_and_skip_nodata_nan_and_mask() {
        let rule = Validity { nodata: Some(0.0), use_mask: false, alpha: None };
        let mut s = Statistics::new::<u8>(1, 1, rule, 0, (0, 2));
        s.add(&[0u8, 1, 2, 3, 0, 4], 3, None);
        s.finish::<u8>();
        let items = s.items();
        let v: Vec<(&str, &str)> = items[0].iter().map(|i| (i.name.as_str(), i.value.as_str())).collect();
        assert_eq!(
            v,
            [
                ("STATISTICS_MAXIMUM", "4"),
                ("STATISTICS_MEAN", "2.5"),
                ("STATISTICS_MINIMUM", "1"),
                ("STATISTICS_STDDEV", "1.1180339887499"),
                ("STATISTICS_VALID_PERCENT", "66.67"),
            ]
        );
        // Float samples: NaN never counts; a mask without nodata decides.
        let rule = Validity { nodata: None, use_mask: true, alpha: None };
        let mut s = Statistics::new::<f32>(2, 1, rule, 0, (0, 1));
        s.add(&[1.0f32, f32::NAN, 3.0, 5.0, 100.0, 7.0], 3, Some(&[255, 255, 0]));
        s.finish::<f32>();
        let items = s.items();
        assert_eq!(items[0][1].value, "2");
        assert_eq!(items[1][0].value, "5");
        assert_eq!(items[1][4].value, "33.33");
    }

    #[test]
    fn signed_bytes_and_16_bit_samples() {
        let rule = Validity { nodata: Some(-1.0), use_mask: false, alpha: None };
        let mut s = Statistics::new::<i8>(1, 1, rule, 0, (0, 2));
        s.add(&[-128i8, -1, 5, 5], 2, None);
        s.finish::<i8>();
        let v: Vec<String> = s.items()[0].iter().map(|i| i.value.clone()).collect();
        assert_eq!(v, ["5", "-39.333333333333", "-128", "62.696801265207", "75"]);
        let mut s = Statistics::new::<u16>(1, 1, Validity { nodata: None, use_mask: false, alpha: None }, 0, (0, 1));
        s.add(&[65535u16, 0, 65535, 0], 4, None);
        s.finish::<u16>();
        let v: Vec<String> = s.items()[0].iter().map(|i| i.value.clone()).collect();
        assert_eq!(v, ["65535", "32767.5", "0", "32767.5", "100"]);
    }

    #[test]
    fn many_chunks_merge_to_the_one_pass_result() {
        let rule = Validity { nodata: None, use_mask: false, alpha: None };
        let data: Vec<f64> = (0..100_000).map(|i| ((i * 7919) % 1000) as f64 * 0.37 + 1e6).collect();
        let mut s = Statistics::new::<f64>(1, 1, rule, 0, (0, 1000));
        s.add(&data, 100, None);
        s.finish::<f64>();
        let n = data.len() as f64;
        let mean = data.iter().sum::<f64>() / n;
        let std = (data.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n).sqrt();
        let b = s.bands[0];
        assert!((b.mean - mean).abs() < 1e-9 && ((b.m2 / n).sqrt() - std).abs() < 1e-9);
    }

    /// However the rows are fed, and however a distributed run cuts them
    /// (on block multiples), the items are the same, to the last digit.
    #[test]
    fn feeding_and_cutting_do_not_change_the_result() {
        let rule = Validity { nodata: Some(-9999.0), use_mask: false, alpha: None };
        let (w, h) = (37usize, 203u64);
        let data: Vec<f32> = (0..w * h as usize)
            .map(|i| if i % 13 == 0 { -9999.0 } else { ((i * 7919) % 1009) as f32 * 0.731 + 1e4 })
            .collect();
        let whole = |feeds: &[u64]| {
            let mut s = Statistics::new::<f32>(1, 1, rule, 0, (0, h));
            let mut at = 0;
            for &n in feeds {
                s.add(&data[at as usize * w..(at + n) as usize * w], w, None);
                at += n;
            }
            s.finish::<f32>();
            s.items()
        };
        let one = whole(&[h]);
        assert_eq!(one, whole(&[5, 100, 1, 97]));
        assert_eq!(one, whole(&[16, 16, 171]));
        // Two parts cut at row 96, each fed with a halo of 7 rows.
        let mut staged = Vec::new();
        for (a, b) in [(0u64, 96u64), (96, h)] {
            let (f0, f1) = (a.saturating_sub(7), (b + 7).min(h));
            let mut s = Statistics::new::<f32>(1, 1, rule, f0, (a, b)).keep_blocks();
            s.add(&data[f0 as usize * w..f1 as usize * w], w, None);
            s.finish::<f32>();
            staged.push(s.staged());
        }
        let mut s = Statistics::new::<f32>(1, 1, rule, 0, (0, 0));
        for (i, st) in staged.iter().enumerate() {
            s.merge_staged(st, &format!("part {}", i)).unwrap();
        }
        assert_eq!(one, s.items());
        assert!(s.merge_staged(&staged[0][..30], "cut").is_err());
    }

    #[test]
    fn items_go_in_name_order_before_role_items() {
        let mut md = vec![
            item("DSITEM", None, None),
            item("AAA", Some(0), None),
            item("ZZZ", Some(0), None),
            item("DESCRIPTION", Some(0), Some("description")),
            item("OTHER", Some(2), None),
        ];
        let band = |b: u32| vec![item("STATISTICS_MAXIMUM", Some(b), None), item("STATISTICS_MEAN", Some(b), None)];
        insert_items(&mut md, vec![band(0), band(1), band(2)]);
        let names: Vec<String> =
            md.iter().map(|i| format!("{}{}", i.sample.map_or("-".into(), |s| s.to_string()), i.name)).collect();
        assert_eq!(
            names,
            [
                "-DSITEM",
                "0AAA",
                "0STATISTICS_MAXIMUM",
                "0STATISTICS_MEAN",
                "0ZZZ",
                "0DESCRIPTION",
                "1STATISTICS_MAXIMUM",
                "1STATISTICS_MEAN",
                "2OTHER",
                "2STATISTICS_MAXIMUM",
                "2STATISTICS_MEAN",
            ]
        );
    }
}
