//! Separable kernels: BILINEAR (triangle, radius 1), CUBIC (Keys, a = -0.5,
//! radius 2), CUBICSPLINE (cubic B-spline, radius 2) and LANCZOS (windowed
//! sinc, radius 3). As in GDAL, the kernel is stretched by the downsampling
//! ratio (radius r covers r*ratio source pixels), centred on the destination
//! pixel centre, cut at the image edges and renormalised. A horizontal pass
//! filters every needed source row, a vertical pass combines those rows.
//! With invalid samples, each pass drops them and renormalises; a
//! destination pixel with no valid sample in reach gets the fill value.

use super::{Dst, Geometry, Method, Pixel, Src};

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Kernel {
    Bilinear,
    Cubic,
    CubicSpline,
    Lanczos,
}

impl Kernel {
    pub fn of(m: Method) -> Kernel {
        match m {
            Method::Cubic => Kernel::Cubic,
            Method::CubicSpline => Kernel::CubicSpline,
            Method::Lanczos => Kernel::Lanczos,
            _ => Kernel::Bilinear,
        }
    }

    /// Support radius in destination pixels (GDAL's GWKGetFilterRadius).
    pub fn radius(self) -> f64 {
        match self {
            Kernel::Bilinear => 1.0,
            Kernel::Cubic | Kernel::CubicSpline => 2.0,
            Kernel::Lanczos => 3.0,
        }
    }

    /// Kernels with negative lobes, which need a long enough run of valid
    /// samples (GDAL 3.6.2 does this for Cubic and Lanczos).
    pub fn needs_run(self) -> bool {
        matches!(self, Kernel::Cubic | Kernel::Lanczos)
    }

    /// Unnormalised weight at distance x (destination pixels).
    #[inline]
    pub fn weight(self, x: f64) -> f64 {
        let ax = x.abs();
        match self {
            Kernel::Bilinear => {
                if ax <= 1.0 {
                    1.0 - ax
                } else {
                    0.0
                }
            }
            Kernel::Cubic => {
                let x2 = x * x;
                if ax <= 1.0 {
                    x2 * (1.5 * ax - 2.5) + 1.0
                } else if ax <= 2.0 {
                    x2 * (-0.5 * ax + 2.5) - 4.0 * ax + 2.0
                } else {
                    0.0
                }
            }
            Kernel::CubicSpline => {
                // Cubic B-spline times 6 (the factor cancels), written as
                // GDAL's GWKBSpline sums its truncated powers, in the same
                // order: near the edge (|x| ~ 2) its result can be a tiny
                // negative number where the textbook form gives a tiny
                // positive one, and a lone unmasked tap there must not
                // make a pixel valid when GDAL's does not.
                let (xp2, xp1, xm1) = (x + 2.0, x + 1.0, x - 1.0);
                let xp2c = xp2 * xp2 * xp2;
                if xp2 > 0.0 {
                    let tail = if xp1 > 0.0 {
                        let inner = if x > 0.0 {
                            (if xm1 > 0.0 { -4.0 * xm1 * xm1 * xm1 } else { 0.0 }) + 6.0 * x * x * x
                        } else {
                            0.0
                        };
                        inner + -4.0 * xp1 * xp1 * xp1
                    } else {
                        0.0
                    };
                    tail + xp2c
                } else {
                    0.0
                }
            }
            Kernel::Lanczos => {
                // No cut at |x| = 3: the taps end there, and GDAL's
                // GWKLanczosSinc evaluates a tap on the edge as it is.
                if x == 0.0 {
                    1.0
                } else {
                    let px = std::f64::consts::PI * x;
                    let px3 = px / 3.0;
                    px.sin() * px3.sin() / (px * px3)
                }
            }
        }
    }
}

/// Where the kernel of destination index d lands in the source.
struct Tap {
    center: f64,
    a: usize,
    b: usize,
}

fn tap(d: usize, ratio: f64, n: usize, k: Kernel) -> Tap {
    let scale_w = if ratio <= 1.0 { 1.0 } else { 1.0 / ratio };
    let sr = k.radius() / scale_w;
    let center = (d as f64 + 0.5) * ratio;
    let a = (center - sr + 0.5).floor().max(0.0) as usize;
    let b = ((center + sr + 0.5) as usize).min(n);
    Tap { center, a: a.min(n), b: b.max(a.min(n)) }
}

pub(crate) fn span(d: usize, ratio: f64, n: usize, k: Kernel) -> (usize, usize) {
    let t = tap(d, ratio, n, k);
    (t.a, t.b)
}

/// Weights of every destination index along one axis, flattened: entry i
/// covers source [a, b) with weights w[off..off + b - a].
struct Taps {
    a: Vec<usize>,
    b: Vec<usize>,
    off: Vec<usize>,
    w: Vec<f64>,
    /// Sum of each entry's weights (1 when normalised).
    sum: Vec<f64>,
}

/// Kernel argument of the taps [a, b) around `center`, in GDAL's floating-
/// point steps: the first from the centre, the others by adding the scale
/// step, one at a time along x, along y in groups of four from the group's
/// first. A tap exactly on the kernel's edge then gets GDAL's weight (zero
/// rather than 1e-20), which decides whether a lone valid sample there
/// makes a result when its neighbours are masked.
fn tap_args(a: usize, b: usize, center: f64, scale_w: f64, vertical: bool, out: &mut Vec<f64>) {
    out.clear();
    let mut x = scale_w * (a as f64 - center + 0.5);
    let mut p = a;
    while p + 3 < b {
        if vertical {
            out.extend_from_slice(&[x, x + scale_w, x + 2.0 * scale_w, x + 3.0 * scale_w]);
            x += 4.0 * scale_w;
        } else {
            for _ in 0..4 {
                out.push(x);
                x += scale_w;
            }
        }
        p += 4;
    }
    while p < b {
        out.push(x);
        x += scale_w;
        p += 1;
    }
}

/// The taps of destination indices `dst` (entry i is index dst.start + i):
/// only those a call computes, so that a call's cost follows its rows, not
/// the level's height (a tall raster is resampled in many calls).
fn taps(dst: std::ops::Range<usize>, ratio: f64, n_src: usize, k: Kernel, normalise: bool, vertical: bool) -> Taps {
    let scale_w = if ratio <= 1.0 { 1.0 } else { 1.0 / ratio };
    let n_dst = dst.len();
    let mut t = Taps {
        a: Vec::with_capacity(n_dst),
        b: Vec::with_capacity(n_dst),
        off: Vec::with_capacity(n_dst),
        w: Vec::new(),
        sum: Vec::with_capacity(n_dst),
    };
    let mut args = Vec::new();
    for d in dst {
        let tp = tap(d, ratio, n_src, k);
        let start = t.w.len();
        let mut sum = 0.0;
        tap_args(tp.a, tp.b, tp.center, scale_w, vertical, &mut args);
        for &x in &args {
            let w = k.weight(x);
            t.w.push(w);
            sum += w;
        }
        if normalise && sum != 0.0 {
            t.w[start..].iter_mut().for_each(|w| *w /= sum);
            t.sum.push(1.0);
        } else {
            t.sum.push(sum);
        }
        t.a.push(tp.a);
        t.b.push(tp.b);
        t.off.push(start);
    }
    t
}

/// Whether `valid` (one flag per kernel tap) holds a run of consecutive
/// valid taps covering at least half the taps. Kernels with negative lobes
/// (Lanczos) need one: renormalising a few scattered samples under a lobe
/// can explode. GDAL's rule, applied in both passes.
fn enough_run(valid: impl Iterator<Item = bool>, taps: usize) -> bool {
    let (mut run, mut best) = (0usize, 0usize);
    for v in valid {
        if v {
            run += 1;
            best = best.max(run);
        } else {
            run = 0;
        }
    }
    best >= taps / 2
}

/// What both passes share: the source rows in reach, the taps along each
/// axis, and whether samples need validity checks.
struct Plan {
    bands: usize,
    /// Destination width.
    dw: usize,
    /// Source rows [ra, rb) feed the requested destination rows.
    ra: usize,
    rb: usize,
    /// Whether samples can be invalid (else the plain weighted sums).
    check: bool,
    /// Whether the kernel needs a long enough run of valid taps.
    runs: bool,
    xt: Taps,
    yt: Taps,
    /// Samples per horizontal line (dw * bands).
    tw: usize,
}

impl Plan {
    fn new<T: Pixel>(s: &Src<T>, g: &Geometry, k: Kernel) -> Plan {
        let rows_of = |n: usize, r: f64, d: usize| tap(d, r, n, k);
        let ra = rows_of(g.src.height, g.ry, g.dst_y0).a;
        let rb = rows_of(g.src.height, g.ry, g.dst_y1 - 1).b.max(ra);
        // Floats with neither mask nor nodata only need checking if a NaN is
        // actually there; the plain path is several times faster.
        let check = s.check
            && (s.mask.is_some()
                || s.nodata.is_some()
                || (ra..rb).any(|y| s.row_data(s.row(y)).iter().any(|v| v.to_f64().is_nan())));
        Plan {
            bands: s.bands,
            dw: g.dst.width,
            ra,
            rb,
            check,
            runs: k.needs_run(),
            xt: taps(0..g.dst.width, g.rx, g.src.width, k, !check, false),
            // Indexed by dy - dst_y0.
            yt: taps(g.dst_y0..g.dst_y1, g.ry, g.src.height, k, !check, true),
            tw: g.dst.width * s.bands,
        }
    }
}

/// The horizontal pass's results: one line per source row in reach.
struct Lines {
    /// Filtered values.
    hv: Vec<f64>,
    /// Per sample, whether anything valid fed it (checked path only).
    hm: Vec<u8>,
    /// The same pass run on the mask alone, for the mask overview.
    hmask: Vec<u8>,
    /// Lines where every sample came out valid.
    line_ok: Vec<bool>,
}

/// Per-row counts of the checked horizontal pass, reused from row to row.
struct RowCounts {
    /// Validity weight of each sample (0 invalid, else the mask value).
    vb: Vec<u8>,
    /// Running counts per band of samples not fully valid...
    bad: Vec<u32>,
    /// ... and of samples fully invalid: a window of nothing but those (most
    /// of a mostly-nodata raster) is skipped in one subtraction.
    none: Vec<u32>,
}

pub(crate) fn run<T: Pixel>(s: &Src<T>, g: &Geometry, out: &mut Dst<T>, k: Kernel) {
    let p = Plan::new(s, g, k);
    let lines = horizontal(s, g, &p, out.valid.is_some());
    vertical(s, g, &p, &lines, out);
}

/// Filter every source row in reach along x.
fn horizontal<T: Pixel>(s: &Src<T>, g: &Geometry, p: &Plan, with_mask: bool) -> Lines {
    let nrows = p.rb - p.ra;
    let mut lines = Lines {
        hv: vec![0f64; nrows * p.tw],
        hm: if p.check { vec![0u8; nrows * p.tw] } else { Vec::new() },
        hmask: if with_mask { vec![0u8; nrows * p.dw] } else { Vec::new() },
        line_ok: vec![false; nrows],
    };
    let n = if p.check { (g.src.width + 1) * p.bands } else { 0 };
    let mut counts = RowCounts { vb: vec![0u8; n.saturating_sub(p.bands)], bad: vec![0u32; n], none: vec![0u32; n] };
    for (i, y) in (p.ra..p.rb).enumerate() {
        let r = s.row(y);
        let row = s.row_data(r);
        if p.check {
            checked_row(s, row, s.row_mask(r), i, g.src.width, p, &mut counts, &mut lines);
        } else {
            plain_row(row, &mut lines.hv[i * p.tw..(i + 1) * p.tw], &p.xt, p.bands);
        }
    }
    lines
}

/// One row along x when every sample is valid: plain weighted sums.
fn plain_row<T: Pixel>(row: &[T], hrow: &mut [f64], xt: &Taps, bands: usize) {
    for (dx, dst) in hrow.chunks_exact_mut(bands).enumerate() {
        let (a, b, off) = (xt.a[dx], xt.b[dx], xt.off[dx]);
        let w = &xt.w[off..off + (b - a)];
        let seg = &row[a * bands..b * bands];
        if bands == 1 {
            dst[0] = seg.iter().zip(w).map(|(&v, &wj)| v.to_f64() * wj).sum();
        } else if bands <= 8 {
            // All bands of a pixel at once: one pass over the taps.
            let mut acc = [0f64; 8];
            for (px, &wj) in seg.chunks_exact(bands).zip(w) {
                for (a, &v) in acc.iter_mut().zip(px) {
                    *a += v.to_f64() * wj;
                }
            }
            dst.copy_from_slice(&acc[..bands]);
        } else {
            for (band, d) in dst.iter_mut().enumerate() {
                *d = seg.iter().skip(band).step_by(bands).zip(w).map(|(&v, &wj)| v.to_f64() * wj).sum();
            }
        }
    }
}

/// One row along x with invalid samples dropped and the weights
/// renormalised (line `i` of `lines`).
#[allow(clippy::too_many_arguments)]
fn checked_row<T: Pixel>(
    s: &Src<T>,
    row: &[T],
    mrow: Option<&[u8]>,
    i: usize,
    width: usize,
    p: &Plan,
    c: &mut RowCounts,
    lines: &mut Lines,
) {
    let bands = p.bands;
    // The span [lo, hi) of pixels with a valid sample: outside it every
    // window is skipped at once (a mostly-nodata raster is mostly that).
    let px_valid =
        |x: usize| mrow.is_none_or(|m| m[x] != 0) && row[x * bands..(x + 1) * bands].iter().any(|&v| s.value_ok(v));
    let lo = (0..width).find(|&x| px_valid(x)).unwrap_or(width);
    let hi = (lo..width).rev().find(|&x| px_valid(x)).map_or(lo, |x| x + 1);
    // Per sample its weight factor: 0 when invalid, else the mask value
    // (255 without a mask; an alpha mask gives partial values, which GDAL
    // uses as weights). Per band running counts, from `lo`, of samples that
    // are not fully valid and of those fully invalid, so that "every tap
    // fully valid" (the usual case) and "none valid" are one subtraction each.
    for b in 0..bands {
        c.bad[lo * bands + b] = 0;
        c.none[lo * bands + b] = 0;
    }
    for x in lo..hi {
        let m = mrow.map_or(255, |m| m[x]);
        for b in 0..bands {
            let f = if m != 0 && s.value_ok(row[x * bands + b]) { m } else { 0 };
            c.vb[x * bands + b] = f;
            c.bad[(x + 1) * bands + b] = c.bad[x * bands + b] + (f != 255) as u32;
            c.none[(x + 1) * bands + b] = c.none[x * bands + b] + (f == 0) as u32;
        }
    }
    let mut row_all_valid = lo == 0 && hi == width;
    for dx in 0..p.dw {
        let (a, b, off) = (p.xt.a[dx], p.xt.b[dx], p.xt.off[dx]);
        let w = &p.xt.w[off..off + (b - a)];
        // The window's taps inside the span; those outside are invalid.
        let win = Window { a, b, ca: a.max(lo), cb: b.min(hi), w, sum: p.xt.sum[dx] };
        for band in (0..bands).filter(|_| win.ca < win.cb) {
            let (value, all_valid) = win.band_value(row, c, band, bands, p.runs);
            row_all_valid &= all_valid;
            if let Some(v) = value {
                lines.hv[i * p.tw + dx * bands + band] = v;
                lines.hm[i * p.tw + dx * bands + band] = 1;
            }
        }
        if win.sum <= 0.0 {
            row_all_valid = false;
        }
        if let Some(m) = mrow
            && !lines.hmask.is_empty()
            && (!p.runs || enough_run((a..b).map(|x| m[x] != 0), b - a))
        {
            let ws: f64 = w.iter().enumerate().filter(|&(j, _)| m[a + j] != 0).map(|(_, &wj)| wj).sum();
            lines.hmask[i * p.dw + dx] = (ws > 0.0) as u8;
        }
    }
    lines.line_ok[i] = row_all_valid;
}

/// One destination pixel's window along x: taps [a, b), of which [ca, cb)
/// lie inside the row's valid span, with their weights and weight sum.
struct Window<'a> {
    a: usize,
    b: usize,
    ca: usize,
    cb: usize,
    w: &'a [f64],
    sum: f64,
}

impl Window<'_> {
    /// The filtered value of `band` (None: nothing valid enough in reach)
    /// and whether every tap was fully valid.
    fn band_value<T: Pixel>(
        &self,
        row: &[T],
        c: &RowCounts,
        band: usize,
        bands: usize,
        runs: bool,
    ) -> (Option<f64>, bool) {
        let (a, b, ca, cb, w) = (self.a, self.b, self.ca, self.cb, self.w);
        let outside = (b - a) - cb.saturating_sub(ca);
        let count = |p: &[u32]| outside + (p[cb * bands + band] - p[ca * bands + band]) as usize;
        if count(&c.bad) == 0 && self.sum > 0.0 {
            let acc: f64 = w.iter().enumerate().map(|(j, &wj)| row[(a + j) * bands + band].to_f64() * wj).sum();
            return (Some(acc / self.sum), true);
        }
        if count(&c.none) == b - a {
            return (None, false);
        }
        let (mut acc, mut ws, mut run, mut best) = (0.0, 0.0, 0usize, 0usize);
        for (j, &wj) in w.iter().enumerate().take(cb - a).skip(ca - a) {
            let idx = (a + j) * bands + band;
            if c.vb[idx] != 0 {
                // GDAL weighs by the raw mask byte (0-255).
                let wm = wj * c.vb[idx] as f64;
                acc += row[idx].to_f64() * wm;
                ws += wm;
                run += 1;
                best = best.max(run);
            } else {
                run = 0;
            }
        }
        // Only a positive weight sum makes a value (with negative lobes, a
        // lone sample far out does not); kernels with negative lobes also
        // need a long enough run (GDAL's rule).
        ((ws > 0.0 && (!runs || best >= (b - a) / 2)).then(|| acc / ws), false)
    }
}

/// Combine the horizontal lines along y into the destination rows, row by
/// row over contiguous lines (a vectorisable loop) with per-column
/// accumulators.
fn vertical<T: Pixel>(s: &Src<T>, g: &Geometry, p: &Plan, lines: &Lines, out: &mut Dst<T>) {
    let (bands, dw, tw) = (p.bands, p.dw, p.tw);
    let mut acc = Columns {
        vacc: vec![0f64; tw],
        vws: if p.check { vec![0f64; tw] } else { Vec::new() },
        vrun: if p.check && p.runs { vec![0u32; tw] } else { Vec::new() },
        vbest: if p.check && p.runs { vec![0u32; tw] } else { Vec::new() },
    };
    let line = |y: usize| (y - p.ra) * tw..(y - p.ra + 1) * tw;
    for dy in g.dst_y0..g.dst_y1 {
        let i = dy - g.dst_y0;
        let (a, b, off) = (p.yt.a[i], p.yt.b[i], p.yt.off[i]);
        let w = &p.yt.w[off..off + (b - a)];
        let o_row = (dy - g.dst_y0) * dw;
        let orow = &mut out.data[o_row * bands..(o_row + dw) * bands];
        acc.vacc.fill(0.0);
        if !p.check {
            acc.weighted_sum(lines, a, w, line);
            for (o, &v) in orow.iter_mut().zip(&acc.vacc) {
                *o = finish::<T>(v);
            }
        } else if w.iter().sum::<f64>() > 0.0 && (a..b).all(|y| lines.line_ok[y - p.ra]) {
            // Every line valid: the plain weighted sum, renormalised.
            let wsum: f64 = w.iter().sum();
            acc.weighted_sum(lines, a, w, line);
            for (o, &v) in orow.iter_mut().zip(&acc.vacc) {
                *o = super::computed(finish::<T>(v / wsum), s.nodata_repl);
            }
        } else {
            acc.checked_sum(lines, a, w, p.runs, line);
            let need = ((b - a) / 2) as u32;
            for (col, o) in orow.iter_mut().enumerate() {
                if acc.vws[col] > 0.0 && (!p.runs || acc.vbest[col] >= need) {
                    *o = super::computed(finish::<T>(acc.vacc[col] / acc.vws[col]), s.nodata_repl);
                }
            }
        }
        if let Some(vo) = out.valid.as_mut() {
            for dx in 0..dw {
                let at = |j: usize| (a + j - p.ra) * dw + dx;
                let ok = !p.runs || enough_run((0..b - a).map(|j| lines.hmask[at(j)] != 0), b - a);
                let ws: f64 = w.iter().enumerate().filter(|&(j, _)| lines.hmask[at(j)] != 0).map(|(_, &wj)| wj).sum();
                vo[o_row + dx] = if ok && ws > 0.0 { 255 } else { 0 };
            }
        }
    }
}

/// Per-column accumulators of the vertical pass: weighted sums, weight sums
/// of valid lines, and the current and best runs of valid lines.
struct Columns {
    vacc: Vec<f64>,
    vws: Vec<f64>,
    vrun: Vec<u32>,
    vbest: Vec<u32>,
}

impl Columns {
    /// `vacc` += the lines from `a` on, weighted by `w`.
    fn weighted_sum(&mut self, lines: &Lines, a: usize, w: &[f64], line: impl Fn(usize) -> std::ops::Range<usize>) {
        for (j, &wj) in w.iter().enumerate() {
            for (acc, &h) in self.vacc.iter_mut().zip(&lines.hv[line(a + j)]) {
                *acc += h * wj;
            }
        }
    }

    /// The same with invalid horizontal results weighing nothing, and the
    /// runs of valid ones counted. Branch-free (it vectorises): an invalid
    /// result is 0 and weighs 0; a run restarts at 0 on an invalid one.
    fn checked_sum(
        &mut self,
        lines: &Lines,
        a: usize,
        w: &[f64],
        runs: bool,
        line: impl Fn(usize) -> std::ops::Range<usize>,
    ) {
        self.vws.fill(0.0);
        self.vrun.fill(0);
        self.vbest.fill(0);
        for (j, &wj) in w.iter().enumerate() {
            let (hr, mr) = (&lines.hv[line(a + j)], &lines.hm[line(a + j)]);
            for ((acc, ws), (&h, &m)) in self.vacc.iter_mut().zip(self.vws.iter_mut()).zip(hr.iter().zip(mr)) {
                *acc += h * wj;
                *ws += wj * m as f64;
            }
            if runs {
                for ((r, best), &m) in self.vrun.iter_mut().zip(self.vbest.iter_mut()).zip(mr) {
                    *r = (*r + 1) * m as u32;
                    *best = (*best).max(*r);
                }
            }
        }
    }
}

/// GDAL computes kernels in f32 for every type but Float64, then converts
/// (rounding and clamping) to the band type; do the same so that integer
/// results round alike.
#[inline(always)]
fn finish<T: Pixel>(v: f64) -> T {
    if T::WIDE { T::from_f64(v) } else { T::from_f64(v as f32 as f64) }
}
