//! The pixel-by-pixel part of `--verify` (the rules are in the parent's
//! module doc): each destination pixel of an overview against its
//! footprint in the level it was computed from, one rule per method family.

use super::{LevelRows, Spec, footprint_of, is_kernel, overshoot, ratio};
use crate::create::pipeline::resample::Method;
use crate::create::pipeline::sample::Sample;
use crate::{Error, Result};

/// Check destination rows `dst` of overview `level` (1 = first overview)
/// against `src`, the level it is computed from, which must hold every
/// source row those destination rows read. `comps` samples per pixel.
pub fn check_rows<T: Sample>(
    spec: &Spec,
    comps: usize,
    level: usize,
    src: &LevelRows<T>,
    dst: &LevelRows<T>,
) -> Result<()> {
    let ry = ratio(src.height, dst.height);
    let nd = nodata_in::<T>(spec.nodata);
    let xs: Vec<(usize, usize)> = (0..dst.width).map(|d| footprint_of(spec, d, src.width, dst.width, ry)).collect();
    let name = format!("--verify: overview {} ({}x{})", level, dst.width, dst.height);
    let mut cells = Vec::new();
    for dy in dst.y0..dst.y0 + dst.rows {
        let (ya, yb) = footprint_of(spec, dy, src.height, dst.height, ry);
        if ya < src.y0 || yb > src.y0 + src.rows {
            return Err(Error::usage(format!("{}: rows {}..{} of the source level are not given", name, ya, yb)));
        }
        let drow = (dy - dst.y0) * dst.width;
        for (dx, &(xa, xb)) in xs.iter().enumerate() {
            cells.clear();
            cells.extend((ya..yb).flat_map(|y| (xa..xb).map(move |x| (y - src.y0) * src.width + x)));
            let px = Footprint { spec, name: &name, dx, dy, cells: &cells, nd, mask: src.mask };
            let dmask = dst.mask.map(|mk| mk[drow + dx] != 0);
            // The mask follows the masks of the footprint.
            if let (Some(sm), Some(dv)) = (src.mask, dmask) {
                px.check_mask(sm, dv)?;
            }
            for c in 0..comps {
                let out = dst.data[(drow + dx) * comps + c];
                let sample = |i: usize| src.data[i * comps + c];
                px.check_sample(sample, out, dmask, c / spec.parts + 1)?;
            }
        }
    }
    Ok(())
}

/// One destination pixel under check: where it is, and its footprint as
/// indices into the source level's rows.
struct Footprint<'a, T> {
    spec: &'a Spec,
    name: &'a str,
    dx: usize,
    dy: usize,
    cells: &'a [usize],
    /// Nodata in the band's type.
    nd: Option<T>,
    /// The source level's mask, if any.
    mask: Option<&'a [u8]>,
}

impl<T: Sample> Footprint<'_, T> {
    /// The destination mask `dv` against the masks of the footprint.
    fn check_mask(&self, sm: &[u8], dv: bool) -> Result<()> {
        let set = self.cells.iter().filter(|&&i| sm[i] != 0).count();
        let n_cells = self.cells.len();
        let ok = match self.spec.method {
            Method::Nearest => dv == (set == 1),
            m if !is_kernel(m) => dv == (set > 0),
            _ => (set > 0 || !dv) && (set < n_cells || dv),
        };
        if ok {
            return Ok(());
        }
        Err(Error::format(format!(
            "{} pixel ({}, {}): the mask is {} but {} of the {} pixels of its footprint are",
            self.name,
            self.dx,
            self.dy,
            if dv { "set" } else { "clear" },
            set,
            n_cells
        )))
    }

    /// Band `band`'s destination sample `out` against the footprint's
    /// samples (`sample(i)`), by the method's rule.
    fn check_sample(&self, sample: impl Fn(usize) -> T, out: T, dmask: Option<bool>, band: usize) -> Result<()> {
        let spec = self.spec;
        if spec.method == Method::Nearest {
            let Some(&first) = self.cells.first() else { return Ok(()) };
            let v = sample(first);
            let same = v == out || (T::FLOAT && v.to_f64().is_nan() && out.to_f64().is_nan());
            if spec.lossless && !same {
                return Err(value_error(self.name, self.dx, self.dy, band, out, v, v));
            }
            return Ok(());
        }
        if let Some(entries) = spec.palette_entries {
            return self.check_palette(sample, out, entries);
        }
        if spec.alpha_kept || (spec.complex && spec.method == Method::Average) {
            return self.check_any_sample(sample, out, band);
        }
        self.check_valid_samples(sample, out, dmask, band)
    }

    /// A palette band: colours are averaged (whatever the mask says, as in
    /// GDAL); the result is the nearest opaque entry.
    fn check_palette(&self, sample: impl Fn(usize) -> T, out: T, entries: usize) -> Result<()> {
        let nd = self.nd;
        let entry = |v: T| value_ok(v, nd) && v.to_f64() < entries as f64;
        let n = self.cells.iter().filter(|&&i| entry(sample(i))).count();
        if n > 0 && !entry(out) {
            return Err(Error::format(format!(
                "{} pixel ({}, {}): index {} is not an opaque entry of the {}-entry palette, though {} samples of its footprint are",
                self.name,
                self.dx,
                self.dy,
                fmt(out),
                entries,
                n
            )));
        }
        if n == 0 && nd.is_some() && value_ok(out, nd) {
            return Err(Error::format(format!(
                "{} pixel ({}, {}): index {} is valid but its footprint has no valid sample",
                self.name,
                self.dx,
                self.dy,
                fmt(out)
            )));
        }
        Ok(())
    }

    /// Every non-NaN sample may weigh in (alpha weights; GDAL's complex
    /// average skips no sample): the result is the fill value or within
    /// their range.
    fn check_any_sample(&self, sample: impl Fn(usize) -> T, out: T, band: usize) -> Result<()> {
        let (mut lo, mut hi, mut n) = (T::default(), T::default(), 0);
        for &i in self.cells {
            let v = sample(i);
            if T::FLOAT && v.to_f64().is_nan() {
                continue;
            }
            if n == 0 || v.to_f64() < lo.to_f64() {
                lo = v;
            }
            if n == 0 || v.to_f64() > hi.to_f64() {
                hi = v;
            }
            n += 1;
        }
        let fill = self.nd.unwrap_or(if T::FLOAT { T::from_f64(f64::NAN) } else { T::default() });
        let is_fill = out == fill || (T::FLOAT && out.to_f64().is_nan());
        if is_fill || !self.spec.lossless {
            return Ok(());
        }
        let k = if matches!(self.spec.method, Method::Cubic | Method::Lanczos) { f64::INFINITY } else { 0.0 };
        check_value(self.name, (self.dx, self.dy, band), out, lo, hi, n, k)
    }

    /// The general rule: validity follows the footprint's valid samples,
    /// and a valid result lies within what the method makes of them.
    fn check_valid_samples(&self, sample: impl Fn(usize) -> T, out: T, dmask: Option<bool>, band: usize) -> Result<()> {
        let (spec, nd, m) = (self.spec, self.nd, self.spec.method);
        // Valid samples of the footprint and their range.
        let (mut lo, mut hi, mut n, mut nonfinite) = (0.0f64, 0.0f64, 0usize, false);
        for &i in self.cells {
            if self.mask.is_some_and(|mk| mk[i] == 0) {
                continue;
            }
            let v = sample(i);
            if spec.lossless && !value_ok(v, nd) || !spec.lossless && T::FLOAT && v.to_f64().is_nan() {
                continue;
            }
            let x = if m == Method::Rms { v.to_f64().abs() } else { v.to_f64() };
            nonfinite |= !x.is_finite();
            if n == 0 || x < lo {
                lo = x;
            }
            if n == 0 || x > hi {
                hi = x;
            }
            n += 1;
        }
        if !spec.lossless {
            // Decoded values are approximations (JPEG, WebP: Byte).
            return Ok(());
        }
        let out_valid = dmask != Some(false) && value_ok(out, nd);
        let n_cells = self.cells.len();
        let (name, dx, dy) = (self.name, self.dx, self.dy);
        if n == 0 {
            if out_valid {
                return Err(Error::format(format!(
                    "{} pixel ({}, {}) band {}: value {} is valid but its footprint has no valid sample",
                    name,
                    dx,
                    dy,
                    band,
                    fmt(out)
                )));
            }
            return Ok(());
        }
        if !out_valid {
            if !is_kernel(m) || n == n_cells {
                return Err(Error::format(format!(
                    "{} pixel ({}, {}) band {}: value {} is nodata or masked but its footprint has {} valid samples",
                    name,
                    dx,
                    dy,
                    band,
                    fmt(out),
                    n
                )));
            }
            return Ok(());
        }
        if T::FLOAT && !out.to_f64().is_finite() && !nonfinite {
            return Err(value_error(name, dx, dy, band, out, T::from_f64(lo), T::from_f64(hi)));
        }
        if nonfinite {
            return Ok(());
        }
        let k = overshoot(m, n == n_cells);
        check_value(name, (dx, dy, band), out, T::from_f64(lo), T::from_f64(hi), n, k)
    }
}

/// Sample `v` in the band's type is valid: not NaN, not nodata.
#[inline]
fn value_ok<T: Sample>(v: T, nd: Option<T>) -> bool {
    let f = v.to_f64();
    if T::FLOAT && f.is_nan() {
        return false;
    }
    match nd {
        Some(n) if T::FLOAT && n.to_f64().is_nan() => true,
        Some(n) => v != n,
        None => true,
    }
}

/// Nodata in the band's type, as GDAL compares it: rounded to the float
/// type (f32 for Float32), truncated toward zero for integers (nodata 1.5
/// masks the 1s); None when no sample can equal it (out of range).
fn nodata_in<T: Sample>(nd: Option<f64>) -> Option<T> {
    let v = nd?;
    if T::FLOAT {
        return Some(T::from_f64(v));
    }
    let t = v.trunc();
    (t >= T::MIN && t <= T::MAX).then(|| T::from_f64(t))
}

fn fmt<T: Sample>(v: T) -> String {
    match (T::FLOAT, T::BYTES) {
        (true, 4) => format!("{:e}", v.to_f64() as f32),
        (true, _) => format!("{:e}", v.to_f64()),
        _ => format!("{}", v.to_f64()),
    }
}

/// `out` within [lo - k s - tol, hi + k s + tol], s = hi - lo (n samples).
fn check_value<T: Sample>(name: &str, at: (usize, usize, usize), out: T, lo: T, hi: T, n: usize, k: f64) -> Result<()> {
    if n == 0 {
        return Ok(());
    }
    let (l, h, f) = (lo.to_f64(), hi.to_f64(), out.to_f64());
    let scale = l.abs().max(h.abs());
    // Rounding: integers to the nearest (and through f32 for wide ones),
    // floats in f64 then the band's type.
    let tol = if T::FLOAT { 1e-6 * scale + 2.0 * f32::MIN_POSITIVE as f64 } else { 1.0 + 1e-6 * scale };
    let s = (h - l) * k;
    let ok = f.is_finite() && f >= l - s - tol && f <= h + s + tol;
    let ok = ok || (k.is_infinite() && f.is_finite());
    if ok { Ok(()) } else { Err(value_error(name, at.0, at.1, at.2, out, lo, hi)) }
}

fn value_error<T: Sample>(name: &str, dx: usize, dy: usize, band: usize, out: T, lo: T, hi: T) -> Error {
    Error::format(format!(
        "{} pixel ({}, {}) band {}: value {} outside [{}, {}] of its footprint",
        name,
        dx,
        dy,
        band,
        fmt(out),
        fmt(lo),
        fmt(hi)
    ))
}
