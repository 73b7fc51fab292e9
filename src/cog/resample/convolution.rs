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
                // Cubic B-spline; the 1/6 factor cancels in normalisation.
                if ax < 1.0 {
                    4.0 - 6.0 * x * x + 3.0 * ax * ax * ax
                } else if ax < 2.0 {
                    let t = 2.0 - ax;
                    t * t * t
                } else {
                    0.0
                }
            }
            Kernel::Lanczos => {
                if x == 0.0 {
                    1.0
                } else if ax >= 3.0 {
                    0.0
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
}

fn taps(n_dst: usize, ratio: f64, n_src: usize, k: Kernel, normalise: bool) -> Taps {
    let scale_w = if ratio <= 1.0 { 1.0 } else { 1.0 / ratio };
    let mut t = Taps { a: Vec::with_capacity(n_dst), b: Vec::with_capacity(n_dst), off: Vec::with_capacity(n_dst), w: Vec::new() };
    for d in 0..n_dst {
        let tp = tap(d, ratio, n_src, k);
        let start = t.w.len();
        let mut sum = 0.0;
        for p in tp.a..tp.b {
            let w = k.weight(scale_w * (p as f64 - tp.center + 0.5));
            t.w.push(w);
            sum += w;
        }
        if normalise && sum != 0.0 {
            t.w[start..].iter_mut().for_each(|w| *w /= sum);
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

pub(crate) fn run<T: Pixel>(s: &Src<T>, g: &Geometry, out: &mut Dst<T>, k: Kernel) {
    let bands = s.bands;
    let dw = g.dst.width;
    let check = s.check;
    let runs = k.needs_run();
    let xt = taps(dw, g.rx, g.src.width, k, !check);
    let yt = taps(g.dst.height, g.ry, g.src.height, k, !check);
    // Source rows feeding the requested destination rows.
    let ra = yt.a[g.dst_y0];
    let rb = yt.b[g.dst_y1 - 1].max(ra);
    let nrows = rb - ra;
    let tw = dw * bands;
    // Horizontal pass results, and per sample whether anything valid fed it.
    let mut hv = vec![0f64; nrows * tw];
    let mut hm = if check { vec![0u8; nrows * tw] } else { Vec::new() };
    // The same pass run on the mask alone, for the mask overview.
    let mut hmask = if out.valid.is_some() { vec![0u8; nrows * dw] } else { Vec::new() };
    for (i, y) in (ra..rb).enumerate() {
        let r = s.row(y);
        let row = s.row_data(r);
        let mrow = s.row_mask(r);
        let hrow = &mut hv[i * tw..(i + 1) * tw];
        for dx in 0..dw {
            let (a, b, off) = (xt.a[dx], xt.b[dx], xt.off[dx]);
            let w = &xt.w[off..off + (b - a)];
            if !check {
                for band in 0..bands {
                    let mut acc = 0.0;
                    for (j, &wj) in w.iter().enumerate() {
                        acc += row[(a + j) * bands + band].to_f64() * wj;
                    }
                    hrow[dx * bands + band] = acc;
                }
                continue;
            }
            let unmasked = |x: usize| mrow.is_none_or(|m| m[x] != 0);
            for band in 0..bands {
                let ok = |x: usize| unmasked(x) && s.value_ok(row[x * bands + band]);
                if runs && !enough_run((a..b).map(ok), b - a) {
                    continue;
                }
                let mut acc = 0.0;
                let mut ws = 0.0;
                for (j, &wj) in w.iter().enumerate() {
                    if ok(a + j) {
                        acc += row[(a + j) * bands + band].to_f64() * wj;
                        ws += wj;
                    }
                }
                // Only a positive weight sum makes a value (with negative
                // lobes, a lone sample far out does not).
                if ws > 0.0 {
                    hrow[dx * bands + band] = acc / ws;
                    hm[i * tw + dx * bands + band] = 1;
                }
            }
            if !hmask.is_empty() && (!runs || enough_run((a..b).map(unmasked), b - a)) {
                let ws: f64 = w.iter().enumerate().filter(|&(j, _)| unmasked(a + j)).map(|(_, &wj)| wj).sum();
                hmask[i * dw + dx] = (ws > 0.0) as u8;
            }
        }
    }
    for dy in g.dst_y0..g.dst_y1 {
        let (a, b, off) = (yt.a[dy], yt.b[dy], yt.off[dy]);
        let w = &yt.w[off..off + (b - a)];
        let o_row = (dy - g.dst_y0) * dw;
        let orow = &mut out.data[o_row * bands..(o_row + dw) * bands];
        for (col, o) in orow.iter_mut().enumerate() {
            let at = |j: usize| (a + j - ra) * tw + col;
            if !check {
                let acc: f64 = w.iter().enumerate().map(|(j, &wj)| hv[at(j)] * wj).sum();
                *o = finish::<T>(acc);
                continue;
            }
            if runs && !enough_run((0..b - a).map(|j| hm[at(j)] != 0), b - a) {
                continue;
            }
            let mut acc = 0.0;
            let mut ws = 0.0;
            for (j, &wj) in w.iter().enumerate() {
                if hm[at(j)] != 0 {
                    acc += hv[at(j)] * wj;
                    ws += wj;
                }
            }
            if ws > 0.0 {
                *o = super::computed(finish::<T>(acc / ws), s.nodata_repl);
            }
        }
        if let Some(vo) = out.valid.as_mut() {
            for dx in 0..dw {
                let at = |j: usize| (a + j - ra) * dw + dx;
                let ok = !runs || enough_run((0..b - a).map(|j| hmask[at(j)] != 0), b - a);
                let ws: f64 = w.iter().enumerate().filter(|&(j, _)| hmask[at(j)] != 0).map(|(_, &wj)| wj).sum();
                vo[o_row + dx] = if ok && ws > 0.0 { 255 } else { 0 };
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
