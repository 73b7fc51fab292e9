//! Box methods: AVERAGE, RMS and MODE. The footprint of destination pixel d
//! is the source interval [d*ratio, (d+1)*ratio); GDAL 3.6 reads the pixels
//! it touches, [trunc(d*ratio + 1e-8), ceil((d+1)*ratio - 1e-8)), and for
//! AVERAGE/RMS weighs the first and last by the fraction of them inside the
//! footprint. So with an odd source size (ratio 375/187 = 2.005...) an edge
//! pixel shared by two destination pixels counts partly in each.

use super::{Dst, Geometry, Pixel, Src};


/// Pixels [a, b) read for destination index d, with the weights of the first
/// (`wa`) and last (`wb`) one; the pixels in between weigh 1.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Span {
    pub a: usize,
    pub b: usize,
    pub wa: f64,
    pub wb: f64,
}

impl Span {
    /// Weight of source index i (a <= i < b).
    #[inline(always)]
    pub fn weight(&self, i: usize) -> f64 {
        if i == self.a {
            self.wa
        } else if i + 1 == self.b {
            self.wb
        } else {
            1.0
        }
    }
}

pub(crate) fn span_of(d: usize, ratio: f64, n: usize) -> Span {
    let f0 = d as f64 * ratio;
    let f1 = (d + 1) as f64 * ratio;
    // The epsilons are GDAL's, against 2.0000000001-style ratios.
    let a = ((f0 + 1e-8) as usize).min(n.saturating_sub(1));
    let mut b = (f1 - 1e-8).ceil().max(0.0) as usize;
    if b <= a {
        b = a + 1;
    }
    let b = b.min(n).max(a + 1);
    let wa = if b == a + 1 { 1.0 } else { 1.0 - (f0 - a as f64) };
    let wb = 1.0 - (b as f64 - f1);
    Span { a, b, wa, wb }
}

pub(crate) fn span(d: usize, ratio: f64, n: usize) -> (usize, usize) {
    let s = span_of(d, ratio, n);
    (s.a, s.b)
}

/// AVERAGE (weighted mean) or RMS (weighted quadratic mean) over each
/// footprint, skipping invalid samples and renormalising the weights.
pub(crate) fn average<T: Pixel>(s: &Src<T>, g: &Geometry, out: &mut Dst<T>, rms: bool) {
    let bands = s.bands;
    let xs: Vec<Span> = (0..g.dst.width).map(|d| span_of(d, g.rx, g.src.width)).collect();
    let mut sum = vec![0f64; bands];
    let mut wsum = vec![0f64; bands];
    for dy in g.dst_y0..g.dst_y1 {
        let ys = span_of(dy, g.ry, g.src.height);
        let o_row = (dy - g.dst_y0) * g.dst.width;
        for (dx, xsp) in xs.iter().enumerate() {
            sum.fill(0.0);
            wsum.fill(0.0);
            let mut any_mask = false;
            for y in ys.a..ys.b {
                let wy = ys.weight(y);
                let r = s.row(y);
                let row = s.row_data(r);
                let mrow = s.row_mask(r);
                for x in xsp.a..xsp.b {
                    if let Some(m) = mrow {
                        if m[x] == 0 {
                            continue;
                        }
                    }
                    any_mask = true;
                    let w = wy * xsp.weight(x);
                    let px = &row[x * bands..(x + 1) * bands];
                    for b in 0..bands {
                        let v = px[b];
                        if s.check && !s.value_ok(v) {
                            continue;
                        }
                        let f = v.to_f64();
                        sum[b] += if rms { f * f * w } else { f * w };
                        wsum[b] += w;
                    }
                }
            }
            let o = (o_row + dx) * bands;
            for b in 0..bands {
                if wsum[b] > 0.0 {
                    let mean = sum[b] / wsum[b];
                    let v = if rms { rms_value::<T>(mean) } else { T::from_f64(mean) };
                    out.data[o + b] = super::computed(v, s.nodata_repl);
                }
            }
            if let Some(vo) = out.valid.as_mut() {
                vo[o_row + dx] = if any_mask { 255 } else { 0 };
            }
        }
    }
}

/// Square root of a mean of squares. For integers GDAL picks the integer r
/// for which r^2 is closest to the mean square (not the rounded root).
#[inline]
fn rms_value<T: Pixel>(mean_sq: f64) -> T {
    let root = mean_sq.sqrt();
    if T::FLOAT {
        return T::from_f64(root);
    }
    let r = root.floor();
    // (r+1)^2 - m < m - r^2  <=>  2r(r+1) + 1 < 2m
    if 2.0 * r * (r + 1.0) + 1.0 < 2.0 * mean_sq { T::from_f64(r + 1.0) } else { T::from_f64(r) }
}

/// MODE: the most frequent valid value of the footprint (every touched
/// pixel counts once, whatever its overlap). Ties go to the value that
/// first reached the winning count in row-major order, as in GDAL.
pub(crate) fn mode<T: Pixel>(s: &Src<T>, g: &Geometry, out: &mut Dst<T>) {
    let bands = s.bands;
    let xs: Vec<Span> = (0..g.dst.width).map(|d| span_of(d, g.rx, g.src.width)).collect();
    // Distinct values and their counts: footprints are a few pixels, so a
    // linear scan beats hashing; the buffers are reused for every pixel.
    let mut vals: Vec<T> = Vec::new();
    let mut counts: Vec<u32> = Vec::new();
    for dy in g.dst_y0..g.dst_y1 {
        let ys = span_of(dy, g.ry, g.src.height);
        let o_row = (dy - g.dst_y0) * g.dst.width;
        for (dx, xsp) in xs.iter().enumerate() {
            let mut any_mask = false;
            for b in 0..bands {
                vals.clear();
                counts.clear();
                let mut best: Option<usize> = None;
                for y in ys.a..ys.b {
                    let r = s.row(y);
                    let row = s.row_data(r);
                    let mrow = s.row_mask(r);
                    for x in xsp.a..xsp.b {
                        if let Some(m) = mrow {
                            if m[x] == 0 {
                                continue;
                            }
                        }
                        any_mask = true;
                        let v = row[x * bands + b];
                        if s.check && !s.value_ok(v) {
                            continue;
                        }
                        match vals.iter().position(|&u| u == v) {
                            Some(i) => {
                                counts[i] += 1;
                                if best.is_none_or(|k| counts[i] > counts[k]) {
                                    best = Some(i);
                                }
                            }
                            None => {
                                vals.push(v);
                                counts.push(1);
                                if best.is_none() {
                                    best = Some(vals.len() - 1);
                                }
                            }
                        }
                    }
                }
                if let Some(k) = best {
                    out.data[(o_row + dx) * bands + b] = vals[k];
                }
            }
            if let Some(vo) = out.valid.as_mut() {
                vo[o_row + dx] = if any_mask { 255 } else { 0 };
            }
        }
    }
}
