//! Overview resampling: computes rows of pyramid level k+1 from a band of
//! rows of level k the way GDAL 3.6's overview builder does (same source
//! window per destination pixel, same weights, same rounding), while never
//! letting nodata, NaN or masked pixels into a result.
//!
//! Each method lives in its own file: [`nearest`], [`boxes`] (average, rms,
//! mode), [`gauss`], [`convolution`] (bilinear, cubic, cubicspline, lanczos).
//! They all read the source through [`Src`], which answers "is this sample
//! valid" in one place. [`alpha`] adds GDAL's masking by an alpha band.

mod alpha;
mod boxes;
mod complex;
mod convolution;
mod gauss;
mod nearest;
mod palette;

/// A sample type that can be resampled.
pub trait Pixel: Copy + Send + Sync + PartialEq + Default + 'static {
    fn to_f64(self) -> f64;
    /// Round half away from zero and clamp for integers (as GDAL does);
    /// NaN becomes 0 for integers.
    fn from_f64(v: f64) -> Self;
    /// True for f32/f64: NaN is then always treated as invalid.
    const FLOAT: bool = false;
    /// True for f64: kernel results are kept in double precision; every
    /// other type goes through f32 first, as GDAL's working type does.
    const WIDE: bool = false;
    /// Smallest and largest value of the type (for integers).
    const MIN: f64 = f64::NEG_INFINITY;
    const MAX: f64 = f64::INFINITY;
    /// Mean of four samples, rounded like `from_f64` (integers override
    /// this with exact integer arithmetic: the hot path of AVERAGE).
    #[inline(always)]
    fn mean4(q: [Self; 4]) -> Self {
        Self::from_f64((q[0].to_f64() + q[1].to_f64() + q[2].to_f64() + q[3].to_f64()) * 0.25)
    }
}

macro_rules! int_pixel {
    ($($t:ty => $acc:ty),*) => {$(
        impl Pixel for $t {
            const MIN: f64 = <$t>::MIN as f64;
            const MAX: f64 = <$t>::MAX as f64;
            #[inline(always)]
            fn mean4(q: [Self; 4]) -> Self {
                let s = q[0] as $acc + q[1] as $acc + q[2] as $acc + q[3] as $acc;
                // s / 4 rounded half away from zero; always in range.
                (if s >= 0 { (s + 2) >> 2 } else { -((2 - s) >> 2) }) as $t
            }
            #[inline(always)]
            fn to_f64(self) -> f64 { self as f64 }
            #[inline(always)]
            fn from_f64(v: f64) -> Self {
                // Round half away from zero (GDALCopyWords' rule), then
                // clamp. f64::round is a libm call on baseline x86-64, so
                // round by hand while the integer part is exact; beyond
                // 2^52, NaN and infinities, `as` saturates (NaN -> 0).
                if v.abs() < 4503599627370496.0 {
                    let t = v as i64;
                    let f = v - t as f64;
                    let r = if f >= 0.5 { t + 1 } else if f <= -0.5 { t - 1 } else { t };
                    <$t>::try_from(r).unwrap_or(if r < 0 { <$t>::MIN } else { <$t>::MAX })
                } else {
                    v.round() as $t
                }
            }
        }
    )*};
}
int_pixel!(u8 => i32, i8 => i32, u16 => i32, i16 => i32, u32 => i64, i32 => i64, u64 => i128, i64 => i128);

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
    const WIDE: bool = true;
    #[inline(always)]
    fn to_f64(self) -> f64 {
        self
    }
    #[inline(always)]
    fn from_f64(v: f64) -> Self {
        v
    }
}

pub use alpha::Alpha;
pub use palette::{Palette, applies as palette_applies};

crate::create::values::named_values!(
    /// The overview resampling methods, in the order of GDAL's documentation.
    Method {
        Nearest => "nearest",
        Average => "average",
        Bilinear => "bilinear",
        Cubic => "cubic",
        CubicSpline => "cubicspline",
        Lanczos => "lanczos",
        Mode => "mode",
        Rms => "rms",
        Gauss => "gauss",
    }
);

impl Method {
    /// GDAL's name for the method (`-r` of gdaladdo, RESAMPLING= of COG).
    pub fn gdal_name(self) -> &'static str {
        match self {
            Method::Nearest => "NEAREST",
            Method::Average => "AVERAGE",
            Method::Bilinear => "BILINEAR",
            Method::Cubic => "CUBIC",
            Method::CubicSpline => "CUBICSPLINE",
            Method::Lanczos => "LANCZOS",
            Method::Mode => "MODE",
            Method::Rms => "RMS",
            Method::Gauss => "GAUSS",
        }
    }
}

/// Dimensions of a pyramid level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Level {
    pub width: usize,
    pub height: usize,
}

/// Size of overview level `k` (k = 0 is full resolution) as GDAL 3.6's COG
/// driver makes it: each side divided by 2^k rounding down, at least 1.
/// (Measured: 1500x1100 gives 750x550, 375x275, 187x137, 93x68; 513 gives
/// 256. `gdaladdo` on a plain GTiff rounds up instead; the COG driver does
/// not.)
pub fn overview_level(full: Level, k: u32) -> Level {
    let div = |n: usize| if k >= usize::BITS { 1 } else { (n >> k).max(1) };
    Level { width: div(full.width), height: div(full.height) }
}

/// A horizontal band of full-width rows [y0, y0+rows) of the source level,
/// pixel-interleaved `bands` samples per pixel. `valid`, if given, is one
/// byte per pixel (0 = invalid/masked, nonzero = valid) over the same rows.
pub struct Window<'a, T> {
    pub data: &'a [T],
    pub valid: Option<&'a [u8]>,
    pub y0: usize,
    pub rows: usize,
}

/// Source-to-destination scale along one axis (GDAL's dfXRatioDstToSrc).
#[inline]
pub(crate) fn ratio(src: usize, dst: usize) -> f64 {
    src as f64 / dst.max(1) as f64
}

/// Source rows [y0, y1) of `src` needed to compute destination rows
/// [dst_y0, dst_y1) (clamped to the image).
pub fn src_rows_needed(method: Method, src: Level, dst: Level, dst_y0: usize, dst_y1: usize) -> (usize, usize) {
    let dst_y1 = dst_y1.min(dst.height);
    if dst_y1 <= dst_y0 || src.height == 0 || dst.height == 0 {
        return (0, 0);
    }
    let r = ratio(src.height, dst.height);
    let n = src.height;
    // Every method's footprint moves monotonically with the destination
    // row, so the first and last rows bound the whole range.
    let (first, last) = match method {
        Method::Nearest => (nearest::span(dst_y0, r, n), nearest::span(dst_y1 - 1, r, n)),
        Method::Average | Method::Rms | Method::Mode => (boxes::span(dst_y0, r, n), boxes::span(dst_y1 - 1, r, n)),
        Method::Gauss => {
            let dim = gauss::matrix_dim(r);
            (gauss::span(dst_y0, r, n, dim).0, gauss::span(dst_y1 - 1, r, n, dim).0)
        }
        Method::Bilinear | Method::Cubic | Method::CubicSpline | Method::Lanczos => {
            let k = convolution::Kernel::of(method);
            (convolution::span(dst_y0, r, n, k), convolution::span(dst_y1 - 1, r, n, k))
        }
    };
    (first.0.min(n), last.1.min(n).max(first.0.min(n)))
}

/// The source band of rows and the validity rules, shared by all methods.
pub(crate) struct Src<'a, T> {
    pub data: &'a [T],
    pub mask: Option<&'a [u8]>,
    pub y0: usize,
    pub rows: usize,
    pub width: usize,
    pub bands: usize,
    pub nodata: Option<f64>,
    /// Nodata and its replacement for computed results.
    pub nodata_repl: Option<(f64, T)>,
    /// False when no sample can be invalid (no mask, no nodata, integers):
    /// methods then take their plain fast path.
    pub check: bool,
}

impl<'a, T: Pixel> Src<'a, T> {
    /// Window-relative row index of source row `y`. Rows outside the window
    /// (a caller that passed too few rows) are clamped, never a panic.
    #[inline(always)]
    pub fn row(&self, y: usize) -> usize {
        y.clamp(self.y0, self.y0 + self.rows - 1) - self.y0
    }

    /// Samples of window-relative row `r`.
    #[inline(always)]
    pub fn row_data(&self, r: usize) -> &'a [T] {
        let n = self.width * self.bands;
        &self.data[r * n..(r + 1) * n]
    }

    #[inline(always)]
    pub fn row_mask(&self, r: usize) -> Option<&'a [u8]> {
        self.mask.map(|m| &m[r * self.width..(r + 1) * self.width])
    }

    /// Whether a sample value may enter a result (mask checked separately).
    #[inline(always)]
    pub fn value_ok(&self, v: T) -> bool {
        let f = v.to_f64();
        !(T::FLOAT && f.is_nan()) && self.nodata.is_none_or(|nd| f != nd)
    }
}

/// The value a computed result takes when it lands exactly on nodata, so
/// that a valid pixel never reads as nodata (GDAL's rule: the next integer,
/// or for floats nodata nudged by 1e-7 of itself, or the smallest positive
/// float when nodata is 0).
pub(crate) fn nodata_replacement<T: Pixel>(nd: f64) -> T {
    if T::FLOAT {
        let v = if nd == 0.0 { f32::MIN_POSITIVE as f64 } else { nd + 1e-7 * nd };
        let r = T::from_f64(v);
        // Near the type's limit the nudge would overflow to infinity (or
        // round back onto nodata): step toward zero instead, in the type.
        if !r.to_f64().is_finite() || r.to_f64() == nd {
            return T::from_f64(nd - 1e-7 * nd);
        }
        return r;
    }
    if nd >= T::MAX { T::from_f64(T::MAX - 1.0) } else { T::from_f64(nd + 1.0) }
}

/// Stores a computed (not copied) result, keeping it off the nodata value.
#[inline(always)]
pub(crate) fn computed<T: Pixel>(v: T, nodata: Option<(f64, T)>) -> T {
    match nodata {
        Some((nd, repl)) if v.to_f64() == nd => repl,
        _ => v,
    }
}

/// Destination buffers, pre-filled with the value of pixels where nothing
/// valid is found (methods only overwrite the others).
pub(crate) struct Dst<T> {
    pub data: Vec<T>,
    pub valid: Option<Vec<u8>>,
}

/// Compute destination rows [dst_y0, dst_y1) of level `dst` from `src`.
///
/// `nodata`: samples equal to it (and NaN, always, for floats) never enter
/// a result; a destination pixel whose footprint holds no valid sample gets
/// `nodata`, or NaN for floats / 0 for integers when there is no nodata.
/// Returns the destination samples (pixel-interleaved) and, when
/// `win.valid` was given, the destination validity (255 valid / 0 invalid):
/// valid when the footprint holds at least one valid (unmasked) pixel, or
/// for Nearest when the chosen pixel is valid.
#[allow(clippy::too_many_arguments)]
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
    resample_with(method, src, win, bands, dst, dst_y0, dst_y1, &Rules { nodata, ..Rules::default() })
}

/// Everything besides the method that shapes a result.
#[derive(Clone, Copy, Debug, Default)]
pub struct Rules<'a> {
    /// Samples equal to it never enter a result (see [`resample`]).
    pub nodata: Option<f64>,
    /// An alpha band taking part in the masking (see [`Alpha`]).
    pub alpha: Option<Alpha>,
    /// The colour table of a palette band: AVERAGE, RMS and GAUSS then
    /// work on its colours (see [`Palette`]).
    pub palette: Option<&'a Palette>,
    /// Complex samples, real and imaginary parts interleaved: GDAL 3.6
    /// resamples them with rules of their own (see [`source_level`] and
    /// the `complex` module).
    pub complex: bool,
}

/// The level that level `j` (0 = full resolution) is computed from: the
/// one before it, except for complex samples under NEAREST, which GDAL 3.6
/// takes from full resolution for every level.
pub fn source_level(method: Method, complex: bool, j: usize) -> usize {
    if j == 0 || (complex && method == Method::Nearest) { 0 } else { j - 1 }
}

/// [`src_rows_needed`] with complex samples' footprints when `complex`.
pub fn src_rows_for(
    method: Method,
    complex: bool,
    src: Level,
    dst: Level,
    dst_y0: usize,
    dst_y1: usize,
) -> (usize, usize) {
    if complex && complex::applies(method) {
        let dst_y1 = dst_y1.min(dst.height);
        if dst_y1 <= dst_y0 || src.height == 0 || dst.height == 0 {
            return (0, 0);
        }
        let r = ratio(src.height, dst.height);
        let (a, _) = complex::span(dst_y0, r, src.height, dst.height);
        let (_, b) = complex::span(dst_y1 - 1, r, src.height, dst.height);
        return (a, b.max(a));
    }
    src_rows_needed(method, src, dst, dst_y0, dst_y1)
}

/// [`resample`] under all of [`Rules`]: an alpha band, a palette, complex
/// samples.
#[allow(clippy::too_many_arguments)]
pub fn resample_with<T: Pixel>(
    method: Method,
    src: Level,
    win: &Window<T>,
    bands: usize,
    dst: Level,
    dst_y0: usize,
    dst_y1: usize,
    rules: &Rules,
) -> (Vec<T>, Option<Vec<u8>>) {
    let Rules { nodata, alpha, palette, complex } = *rules;
    let dst_y1 = dst_y1.min(dst.height);
    let rows = dst_y1.saturating_sub(dst_y0);
    let n = rows * dst.width * bands;
    let fill = match nodata {
        Some(nd) => T::from_f64(nd),
        None if T::FLOAT => T::from_f64(f64::NAN),
        None => T::default(),
    };
    let mut out = Dst { data: vec![fill; n], valid: win.valid.map(|_| vec![0u8; rows * dst.width]) };
    // Refuse quietly (everything invalid) rather than panic on a window
    // that does not hold what it claims.
    let px = src.width * win.rows;
    let usable = n > 0
        && src.width > 0
        && src.height > 0
        && win.rows > 0
        && win.data.len() >= px * bands
        && win.valid.is_none_or(|v| v.len() >= px);
    if !usable {
        return (out.data, out.valid);
    }
    let rx = ratio(src.width, dst.width);
    let ry = ratio(src.height, dst.height);
    let geo = Geometry { src, dst, rx, ry, dst_y0, dst_y1 };
    if complex && complex::applies(method) {
        let s = Src::new(win.data, win.valid, win.y0, win.rows, src.width, bands, nodata);
        complex::average(&s, &geo, &mut out);
        return (out.data, out.valid);
    }
    if let Some(p) = palette.filter(|_| bands == 1 && palette::applies(method)) {
        let s = Src::new(win.data, win.valid, win.y0, win.rows, src.width, bands, nodata);
        match method {
            Method::Gauss => palette::gauss(&s, &geo, &mut out, p),
            _ => palette::average(&s, &geo, &mut out, p, method == Method::Rms),
        }
        return (out.data, out.valid);
    }
    match alpha.filter(|a| a.index < bands && alpha::masks(method, T::MAX <= 255.0)) {
        Some(a) => alpha::run_alpha(method, win, bands, &geo, nodata, fill, &mut out, a),
        None => {
            let s = Src::new(win.data, win.valid, win.y0, win.rows, src.width, bands, nodata);
            run(method, &s, &geo, &mut out);
        }
    }
    (out.data, out.valid)
}

impl<'a, T: Pixel> Src<'a, T> {
    pub(crate) fn new(
        data: &'a [T],
        mask: Option<&'a [u8]>,
        y0: usize,
        rows: usize,
        width: usize,
        bands: usize,
        nodata: Option<f64>,
    ) -> Self {
        Src {
            data,
            mask,
            y0,
            rows,
            width,
            bands,
            nodata,
            nodata_repl: nodata.map(|nd| (nd, nodata_replacement::<T>(nd))),
            check: mask.is_some() || nodata.is_some() || T::FLOAT,
        }
    }
}

/// Dispatch one method over a prepared source.
pub(crate) fn run<T: Pixel>(method: Method, s: &Src<T>, geo: &Geometry, out: &mut Dst<T>) {
    match method {
        Method::Nearest => nearest::run(s, geo, out),
        Method::Average => boxes::average(s, geo, out, false),
        Method::Rms => boxes::average(s, geo, out, true),
        Method::Mode => boxes::mode(s, geo, out),
        Method::Gauss => gauss::run(s, geo, out),
        Method::Bilinear | Method::Cubic | Method::CubicSpline | Method::Lanczos => {
            convolution::run(s, geo, out, convolution::Kernel::of(method))
        }
    }
}

/// Sizes and scale factors of one resampling call.
pub(crate) struct Geometry {
    pub src: Level,
    pub dst: Level,
    pub rx: f64,
    pub ry: f64,
    pub dst_y0: usize,
    pub dst_y1: usize,
}
