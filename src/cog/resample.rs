//! Overview resampling: computes rows of pyramid level k+1 from a band of
//! rows of level k, the way GDAL's overview builder does (same level sizes,
//! same source window per destination pixel), aware of nodata, NaN and masks.
//!
//! STATUS (first cut): Nearest and Average are implemented; the other
//! methods temporarily fall back to Average (never panic).

/// A sample type that can be resampled.
pub trait Pixel: Copy + Send + Sync + PartialEq + Default + 'static {
    fn to_f64(self) -> f64;
    /// Round half away from zero and clamp for integers (as GDAL does).
    fn from_f64(v: f64) -> Self;
    /// True for float types (NaN is then always treated as invalid).
    const FLOAT: bool = false;
}

macro_rules! int_pixel {
    ($($t:ty),*) => {$(
        impl Pixel for $t {
            #[inline(always)]
            fn to_f64(self) -> f64 { self as f64 }
            #[inline(always)]
            fn from_f64(v: f64) -> Self {
                // `as` saturates and maps NaN to 0, so only the rounding is ours.
                v.round() as $t
            }
        }
    )*};
}
int_pixel!(u8, i8, u16, i16, u32, i32, u64, i64);

impl Pixel for f32 {
    const FLOAT: bool = true;
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self as f64
    }
    #[inline(always)]
    fn from_f64(v: f64) -> Self {
        v as f32
    }
}

impl Pixel for f64 {
    const FLOAT: bool = true;
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
    #[inline(always)]
    fn from_f64(v: f64) -> Self {
        v
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Nearest,
    Average,
    Bilinear,
    Cubic,
    CubicSpline,
    Lanczos,
    Mode,
    Rms,
    Gauss,
}

/// Dimensions of a pyramid level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Level {
    pub width: usize,
    pub height: usize,
}

/// A horizontal band of full-width rows [y0, y0+rows) of the source level,
/// pixel-interleaved; `valid` (one byte per pixel, 0 = invalid) if given.
pub struct Window<'a, T> {
    pub data: &'a [T],
    pub valid: Option<&'a [u8]>,
    pub y0: usize,
    pub rows: usize,
}

/// Source index of the nearest pixel for destination index `d` (GDAL: the
/// truncation of 0.5 + d * ratio).
#[inline]
fn near_index(d: usize, ratio: f64, n: usize) -> usize {
    ((0.5 + d as f64 * ratio) as usize).min(n.saturating_sub(1))
}

/// Source span [a, b) averaged into destination index `d`.
#[inline]
fn box_span(d: usize, ratio: f64, n_dst: usize, n_src: usize) -> (usize, usize) {
    let a = ((0.5 + d as f64 * ratio) as usize).min(n_src.saturating_sub(1));
    let mut b = (0.5 + (d + 1) as f64 * ratio) as usize;
    if b <= a {
        b = a + 1;
    }
    if d + 1 == n_dst {
        b = n_src;
    }
    (a, b.min(n_src).max(a + 1))
}

fn ratio(src: usize, dst: usize) -> f64 {
    src as f64 / dst.max(1) as f64
}

/// Source rows [y0, y1) of `src` needed to compute destination rows
/// [dst_y0, dst_y1) (clamped to the image).
pub fn src_rows_needed(method: Method, src: Level, dst: Level, dst_y0: usize, dst_y1: usize) -> (usize, usize) {
    if dst_y1 <= dst_y0 || src.height == 0 {
        return (0, 0);
    }
    let r = ratio(src.height, dst.height);
    match method {
        Method::Nearest => (near_index(dst_y0, r, src.height), near_index(dst_y1 - 1, r, src.height) + 1),
        _ => (box_span(dst_y0, r, dst.height, src.height).0, box_span(dst_y1 - 1, r, dst.height, src.height).1),
    }
}

/// Compute destination rows [dst_y0, dst_y1) of level `dst` from `src`.
pub fn resample<T: Pixel>(
    method: Method,
    src: Level,
    win: &Window<T>,
    bands: usize,
    dst: Level,
    dst_y0: usize,
    dst_y1: usize,
    nodata: Option<f64>,
) -> (Vec<T>, Option<Vec<u8>>) {
    let dst_y1 = dst_y1.min(dst.height);
    let rows = dst_y1.saturating_sub(dst_y0);
    let n = rows * dst.width * bands;
    let fill = T::from_f64(nodata.unwrap_or(0.0));
    let mut out = vec![fill; n];
    let mut valid_out = win.valid.map(|_| vec![0u8; rows * dst.width]);
    if n == 0 || src.width == 0 || src.height == 0 || win.rows == 0 || bands == 0 {
        return (out, valid_out);
    }
    let is_invalid = |v: T| -> bool {
        let f = v.to_f64();
        (T::FLOAT && f.is_nan()) || nodata.is_some_and(|nd| f == nd)
    };
    let rx = ratio(src.width, dst.width);
    let ry = ratio(src.height, dst.height);
    let wrow = |y: usize| -> usize { y.clamp(win.y0, win.y0 + win.rows - 1) - win.y0 };
    match method {
        Method::Nearest => {
            let xs: Vec<usize> = (0..dst.width).map(|d| near_index(d, rx, src.width)).collect();
            for dy in dst_y0..dst_y1 {
                let sy = wrow(near_index(dy, ry, src.height));
                let srow = &win.data[sy * src.width * bands..(sy + 1) * src.width * bands];
                let orow = &mut out[(dy - dst_y0) * dst.width * bands..(dy - dst_y0 + 1) * dst.width * bands];
                for (dx, &sx) in xs.iter().enumerate() {
                    orow[dx * bands..(dx + 1) * bands].copy_from_slice(&srow[sx * bands..(sx + 1) * bands]);
                }
                if let (Some(vo), Some(vi)) = (valid_out.as_mut(), win.valid) {
                    let vrow = &vi[sy * src.width..(sy + 1) * src.width];
                    for (dx, &sx) in xs.iter().enumerate() {
                        vo[(dy - dst_y0) * dst.width + dx] = if vrow[sx] != 0 { 255 } else { 0 };
                    }
                }
            }
        }
        _ => {
            // Average (and, temporarily, every other method).
            let xs: Vec<(usize, usize)> = (0..dst.width).map(|d| box_span(d, rx, dst.width, src.width)).collect();
            let mut sum = vec![0f64; bands];
            let mut cnt = vec![0usize; bands];
            for dy in dst_y0..dst_y1 {
                let (ya, yb) = box_span(dy, ry, dst.height, src.height);
                for (dx, &(xa, xb)) in xs.iter().enumerate() {
                    sum.iter_mut().for_each(|s| *s = 0.0);
                    cnt.iter_mut().for_each(|c| *c = 0);
                    let mut any = false;
                    for y in ya..yb {
                        let sy = wrow(y);
                        for x in xa..xb {
                            if let Some(vi) = win.valid {
                                if vi[sy * src.width + x] == 0 {
                                    continue;
                                }
                            }
                            let base = (sy * src.width + x) * bands;
                            for b in 0..bands {
                                let v = win.data[base + b];
                                if !is_invalid(v) {
                                    sum[b] += v.to_f64();
                                    cnt[b] += 1;
                                    any = true;
                                }
                            }
                        }
                    }
                    let o = ((dy - dst_y0) * dst.width + dx) * bands;
                    for b in 0..bands {
                        if cnt[b] > 0 {
                            out[o + b] = T::from_f64(sum[b] / cnt[b] as f64);
                        }
                    }
                    if let Some(vo) = valid_out.as_mut() {
                        vo[(dy - dst_y0) * dst.width + dx] = if any { 255 } else { 0 };
                    }
                }
            }
        }
    }
    (out, valid_out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_stays_constant() {
        let src = Level { width: 7, height: 5 };
        let dst = Level { width: 4, height: 3 };
        let data = vec![42u16; 35];
        let win = Window { data: &data, valid: None, y0: 0, rows: 5 };
        for m in [Method::Nearest, Method::Average] {
            let (o, v) = resample(m, src, &win, 1, dst, 0, 3, None);
            assert_eq!(o, vec![42u16; 12]);
            assert!(v.is_none());
        }
    }

    #[test]
    fn nodata_never_bleeds() {
        let src = Level { width: 4, height: 2 };
        let dst = Level { width: 2, height: 1 };
        let data = vec![10u8, 0, 0, 0, 20, 0, 0, 0];
        let win = Window { data: &data, valid: None, y0: 0, rows: 2 };
        let (o, _) = resample(Method::Average, src, &win, 1, dst, 0, 1, Some(0.0));
        assert_eq!(o, vec![15, 0]);
    }
}
