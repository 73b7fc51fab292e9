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
    /// Sum of the weights.
    #[inline(always)]
    pub fn total(&self) -> f64 {
        if self.b == self.a + 1 { self.wa } else { self.wa + (self.b - self.a - 2) as f64 + self.wb }
    }

    /// Weighted sum of f(i) over the span.
    #[inline(always)]
    pub fn fold(&self, f: impl Fn(usize) -> f64) -> f64 {
        let mut acc = f(self.a) * self.wa;
        if self.b > self.a + 1 {
            for i in self.a + 1..self.b - 1 {
                acc += f(i);
            }
            acc += f(self.b - 1) * self.wb;
        }
        acc
    }

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
///
/// The weights are a product of a column and a row weight, so the sum is
/// separable: first the footprint's source rows are combined into one line
/// (a tight loop over contiguous samples), then each destination pixel sums
/// its few columns of that line. With validity checks the line also carries
/// the weight that was actually used, so invalid samples drop out exactly as
/// in GDAL's per-pixel loop.
pub(crate) fn average<T: Pixel>(s: &Src<T>, g: &Geometry, out: &mut Dst<T>, rms: bool) {
    let halving = g.src.width == 2 * g.dst.width && g.src.height == 2 * g.dst.height && s.mask.is_none();
    if halving && s.nodata.is_none() {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: AVX2 is present, checked just above.
            return unsafe { average_2x2_avx2(s, g, out, rms) };
        }
        return average_2x2(s, g, out, rms);
    }
    if halving && out.valid.is_none() && (T::FLOAT || T::MAX > 65535.0 || T::MIN < 0.0) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: AVX2 is present, checked just above.
            return unsafe { average_2x2_nodata_avx2(s, g, out, rms) };
        }
        return average_2x2_nodata(s, g, out, rms);
    }
    if s.check && !T::FLOAT && T::MIN >= 0.0 && T::MAX <= 65535.0 {
        return average_gdal_order(s, g, out, rms);
    }
    let bands = s.bands;
    let sw = g.src.width;
    let xs: Vec<Span> = (0..g.dst.width).map(|d| span_of(d, g.rx, sw)).collect();
    let mut lsum = vec![0f64; sw * bands];
    let mut lw = if s.check { vec![0f64; sw * bands] } else { Vec::new() };
    let mut lmask = if out.valid.is_some() { vec![0u8; sw] } else { Vec::new() };
    let sq = |f: f64| if rms { f * f } else { f };
    for dy in g.dst_y0..g.dst_y1 {
        let ys = span_of(dy, g.ry, g.src.height);
        lsum.fill(0.0);
        lw.fill(0.0);
        lmask.fill(0);
        for y in ys.a..ys.b {
            let wy = ys.weight(y);
            let r = s.row(y);
            let row = s.row_data(r);
            if !s.check {
                for (acc, &v) in lsum.iter_mut().zip(row) {
                    *acc += sq(v.to_f64()) * wy;
                }
                continue;
            }
            let mrow = s.row_mask(r);
            for x in 0..sw {
                if let Some(m) = mrow {
                    if m[x] == 0 {
                        continue;
                    }
                    // (Only kept when a destination mask is wanted.)
                    if let Some(l) = lmask.get_mut(x) {
                        *l = 1;
                    }
                }
                for b in x * bands..(x + 1) * bands {
                    let v = row[b];
                    if s.value_ok(v) {
                        lsum[b] += sq(v.to_f64()) * wy;
                        lw[b] += wy;
                    }
                }
            }
        }
        let wy_total = ys.total();
        let o_row = (dy - g.dst_y0) * g.dst.width;
        for (dx, xsp) in xs.iter().enumerate() {
            let o = (o_row + dx) * bands;
            for b in 0..bands {
                let sum = xsp.fold(|x| lsum[x * bands + b]);
                let w = if s.check { xsp.fold(|x| lw[x * bands + b]) } else { xsp.total() * wy_total };
                if w > 0.0 {
                    let mean = sum / w;
                    let v = if rms { rms_value::<T>(mean) } else { T::from_f64(mean) };
                    out.data[o + b] = super::computed(v, s.nodata_repl);
                }
            }
            if let Some(vo) = out.valid.as_mut() {
                vo[o_row + dx] = if lmask[xsp.a..xsp.b].iter().any(|&m| m != 0) { 255 } else { 0 };
            }
        }
    }
}

/// Byte and UInt16 (GDAL's own working types for AVERAGE and RMS) with
/// samples to skip: each destination pixel summed in GDAL's order, row by
/// row, each row from its left to its right pixel, then divided and rounded
/// as GDAL does. With fractional edge weights (odd level sizes) a different
/// order can land a mean on the other side of .5; this one cannot.
fn average_gdal_order<T: Pixel>(s: &Src<T>, g: &Geometry, out: &mut Dst<T>, rms: bool) {
    let bands = s.bands;
    let xs: Vec<Span> = (0..g.dst.width).map(|d| span_of(d, g.rx, g.src.width)).collect();
    let sq = |f: f64| if rms { f * f } else { f };
    for dy in g.dst_y0..g.dst_y1 {
        let ys = span_of(dy, g.ry, g.src.height);
        let o_row = (dy - g.dst_y0) * g.dst.width;
        for (dx, xsp) in xs.iter().enumerate() {
            let mut any_mask = false;
            for b in 0..bands {
                let (mut total, mut weight) = (0.0f64, 0.0f64);
                for y in ys.a..ys.b {
                    let r = s.row(y);
                    let row = s.row_data(r);
                    let mrow = s.row_mask(r);
                    let (mut line, mut line_w) = (0.0f64, 0.0f64);
                    for x in xsp.a..xsp.b {
                        if mrow.is_some_and(|m| m[x] == 0) {
                            continue;
                        }
                        any_mask = true;
                        let v = row[x * bands + b];
                        if !s.value_ok(v) {
                            continue;
                        }
                        let wx = xsp.weight(x);
                        line += sq(v.to_f64()) * wx;
                        line_w += wx;
                    }
                    let wy = ys.weight(y);
                    total += line * wy;
                    weight += line_w * wy;
                }
                if weight > 0.0 {
                    let mean = total / weight;
                    let v = if rms { rms_value::<T>(mean) } else { T::from_f64((mean + 0.5).floor()) };
                    out.data[(o_row + dx) * bands + b] = super::computed(v, s.nodata_repl);
                }
            }
            if let Some(vo) = out.valid.as_mut() {
                vo[o_row + dx] = if any_mask { 255 } else { 0 };
            }
        }
    }
}

/// The common case, an even level halved with nothing to skip but NaN:
/// every footprint is exactly 2x2 pixels of weight 1 (GDAL's fast path
/// too: its integer (sum + 2) / 4 is our round-half-up of sum / 4).
#[inline(always)]
fn average_2x2<T: Pixel>(s: &Src<T>, g: &Geometry, out: &mut Dst<T>, rms: bool) {
    let sq = |v: T| {
        let f = v.to_f64();
        if rms { f * f } else { f }
    };
    let finish = |mean: f64| if rms { rms_value::<T>(mean) } else { T::from_f64(mean) };
    if !rms && std::any::TypeId::of::<T>() == std::any::TypeId::of::<u8>() {
        // SAFETY: T is u8 (same TypeId), so these are the same types.
        let (s, out) =
            unsafe { (&*(s as *const Src<T> as *const Src<u8>), &mut *(out as *mut Dst<T> as *mut Dst<u8>)) };
        return average_2x2_bytes(s, g, out);
    }
    each_2x2(s, g, out, |q| {
        if !T::FLOAT && !rms {
            return Some(T::mean4(q));
        }
        let mean = (sq(q[0]) + sq(q[1]) + sq(q[2]) + sq(q[3])) * 0.25;
        if !T::FLOAT || !mean.is_nan() {
            return Some(finish(mean));
        }
        // Floats: leave NaN out (the pre-filled NaN stays if all are).
        let valid = q.iter().filter(|v| !v.to_f64().is_nan());
        let n = valid.clone().count();
        (n > 0).then(|| finish(valid.map(|&v| sq(v)).sum::<f64>() / n as f64))
    });
}

/// AVERAGE of an exact halving of Byte samples (an RGB image's levels):
/// the two rows summed in one contiguous pass, then each pixel's two
/// columns, with mean4's rounding ((sum + 2) >> 2). Both loops have a
/// shape the compiler vectorises, which the per-pixel walk has not.
#[inline(always)]
fn average_2x2_bytes(s: &Src<u8>, g: &Geometry, out: &mut Dst<u8>) {
    let bands = s.bands;
    let dw = g.dst.width * bands;
    let mut sums: Vec<u16> = Vec::with_capacity(2 * dw);
    for dy in g.dst_y0..g.dst_y1 {
        let r0 = &s.row_data(s.row(2 * dy))[..2 * dw];
        let r1 = &s.row_data(s.row(2 * dy + 1))[..2 * dw];
        sums.clear();
        sums.extend(r0.iter().zip(r1).map(|(&a, &b)| a as u16 + b as u16));
        let o = (dy - g.dst_y0) * dw;
        let orow = &mut out.data[o..o + dw];
        // Literal band counts in the common arms: each gets its own inlined
        // copy with the count known, which the compiler vectorises.
        match bands {
            1 => column_pairs(&sums, orow, 1),
            2 => column_pairs(&sums, orow, 2),
            3 => column_pairs(&sums, orow, 3),
            4 => column_pairs(&sums, orow, 4),
            _ => column_pairs(&sums, orow, bands),
        }
    }
}

/// Each output pixel from its two columns of row sums.
#[inline(always)]
fn column_pairs(sums: &[u16], out: &mut [u8], bands: usize) {
    for (o, p) in out.chunks_exact_mut(bands).zip(sums.chunks_exact(2 * bands)) {
        for b in 0..bands {
            o[b] = ((p[b] + p[b + bands] + 2) >> 2) as u8;
        }
    }
}

/// The general path above for an exact halving with nodata (a DEM's
/// levels), without its span and line bookkeeping: the same sums in the
/// same order (each column's two rows, then the two columns), so the same
/// results to the bit.
fn average_2x2_nodata<T: Pixel>(s: &Src<T>, g: &Geometry, out: &mut Dst<T>, rms: bool) {
    let sq = |v: T| {
        let f = v.to_f64();
        if rms { f * f } else { f }
    };
    let column = |top: T, bottom: T| {
        let (mut sum, mut w) = (0.0, 0.0);
        for v in [top, bottom] {
            if s.value_ok(v) {
                sum += sq(v);
                w += 1.0;
            }
        }
        (sum, w)
    };
    each_2x2(s, g, out, |q| {
        let (s0, w0) = column(q[0], q[2]);
        let (s1, w1) = column(q[1], q[3]);
        let w = w0 + w1;
        (w > 0.0).then(|| {
            // Dividing by 4 (no nodata in the window, the usual case) is
            // multiplying by 0.25: the same result, without a division.
            let mean = if w == 4.0 { (s0 + s1) * 0.25 } else { (s0 + s1) / w };
            let v = if rms { rms_value::<T>(mean) } else { T::from_f64(mean) };
            super::computed(v, s.nodata_repl)
        })
    });
}

/// [`average_2x2`] built for AVX2: an RGB image's overviews. Same results.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn average_2x2_avx2<T: Pixel>(s: &Src<T>, g: &Geometry, out: &mut Dst<T>, rms: bool) {
    average_2x2(s, g, out, rms)
}

/// [`average_2x2_nodata`] built for AVX2 (the default x86-64 target stops
/// at SSE2): a DEM's overviews are computed this way. Same results.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn average_2x2_nodata_avx2<T: Pixel>(s: &Src<T>, g: &Geometry, out: &mut Dst<T>, rms: bool) {
    average_2x2_nodata(s, g, out, rms)
}

/// Call `f` with the four samples `[top left, top right, bottom left,
/// bottom right]` of every band of every destination pixel of an exact
/// halving; `None` leaves the pre-filled value.
#[inline(always)]
fn each_2x2<T: Pixel>(s: &Src<T>, g: &Geometry, out: &mut Dst<T>, f: impl Fn([T; 4]) -> Option<T>) {
    let bands = s.bands;
    let dw = g.dst.width * bands;
    for dy in g.dst_y0..g.dst_y1 {
        let r0 = s.row_data(s.row(2 * dy));
        let r1 = s.row_data(s.row(2 * dy + 1));
        let o = (dy - g.dst_y0) * dw;
        let orow = &mut out.data[o..o + dw];
        if bands == 1 {
            // One band (a DEM): the same walk without the band loop.
            for ((o, p0), p1) in orow.iter_mut().zip(r0.chunks_exact(2)).zip(r1.chunks_exact(2)) {
                if let Some(v) = f([p0[0], p0[1], p1[0], p1[1]]) {
                    *o = v;
                }
            }
            continue;
        }
        for ((o, p0), p1) in
            orow.chunks_exact_mut(bands).zip(r0.chunks_exact(2 * bands)).zip(r1.chunks_exact(2 * bands))
        {
            for b in 0..bands {
                if let Some(v) = f([p0[b], p0[b + bands], p1[b], p1[b + bands]]) {
                    o[b] = v;
                }
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
                        if mrow.is_some_and(|m| m[x] == 0) {
                            continue;
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

#[cfg(test)]
mod tests {
    use super::super::{Level, Method, Window, resample};

    /// Byte AVERAGE over an exact halving, for every band count: each
    /// destination sample is the rounded mean of its four (GDAL's integer
    /// rule, (sum + 2) / 4), whichever of the row-sum paths computes it.
    #[test]
    fn byte_halving_is_the_rounded_mean_of_four_for_any_band_count() {
        let (w, h) = (38, 6);
        let mut x = 99u32;
        for bands in 1..=6 {
            let data: Vec<u8> = (0..w * h * bands)
                .map(|_| {
                    x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    (x >> 23) as u8
                })
                .collect();
            let win = Window { data: &data, valid: None, y0: 0, rows: h };
            let (src, dst) = (Level { width: w, height: h }, Level { width: w / 2, height: h / 2 });
            let (out, _) = resample(Method::Average, src, &win, bands, dst, 0, h / 2, None);
            for dy in 0..h / 2 {
                for dx in 0..w / 2 {
                    for b in 0..bands {
                        let at = |y: usize, x: usize| data[(y * w + x) * bands + b] as u32;
                        let sum = at(2 * dy, 2 * dx)
                            + at(2 * dy, 2 * dx + 1)
                            + at(2 * dy + 1, 2 * dx)
                            + at(2 * dy + 1, 2 * dx + 1);
                        assert_eq!(out[(dy * (w / 2) + dx) * bands + b] as u32, (sum + 2) / 4, "{} bands", bands);
                    }
                }
            }
        }
    }
}
