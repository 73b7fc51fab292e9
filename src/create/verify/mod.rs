//! `cogtool create --verify`: checks a written COG before it replaces
//! OUTPUT. Three checks, in order:
//!
//! 1. the validator (GDAL's rules, full check, warnings count);
//! 2. full resolution equals the input, sample for sample (lossless codecs,
//!    same bands);
//! 3. every overview level against the level it was computed from (the
//!    previous one, as the pyramid computes it; full resolution for
//!    complex samples under NEAREST), pixel by pixel, decoded
//!    with our own reader in bands of tile rows (memory bounded by width):
//!    * validity: a destination pixel (a band's sample) is nodata / masked
//!      exactly when its footprint, the source pixels the method reads,
//!      holds no valid sample (NEAREST: when the chosen sample is invalid).
//!      The kernels (bilinear, cubic, cubicspline, lanczos) also drop a
//!      pixel whose valid samples are too few or too scattered (GDAL's
//!      rules), so for them only "nothing valid gives invalid" and "all
//!      valid gives valid" are enforced;
//!    * value: a valid sample is finite (floats, unless a valid footprint
//!      sample is not) and within what the method can make of its valid
//!      footprint samples: NEAREST copies the chosen sample exactly;
//!      AVERAGE, MODE, GAUSS, BILINEAR stay within [min, max]; RMS within
//!      [min |v|, max |v|]; kernels with negative lobes may overshoot by
//!      k * (max - min), k from [`overshoot`]. A palette band under
//!      AVERAGE, RMS or GAUSS averages colours, so its result is any opaque
//!      entry of the table; complex AVERAGE (GDAL's complex rules) lets
//!      every sample in, nodata included.
//!
//! A sample is valid when its pixel's mask (if any) is set, it is not NaN,
//! and it differs from nodata compared in the band's own type (a Float32
//! band's GDAL_NODATA rounded to f32 first, an integer band's truncated
//! toward zero, as GDAL compares them; derived here from the written text,
//! independently of the pipeline's own value). With a lossy codec (JPEG,
//! WebP) only the masks and finiteness are checked; with an alpha band kept
//! as a band (it weighs the others by its 0-255 values) only finiteness and
//! the range of all non-NaN footprint samples (or the fill value).

mod pixel;

pub use pixel::check_rows;

use crate::create::config::{Config, MaskSource};
use crate::create::input::rows::{LevelRows as InputLevelRows, RowSource, Sources};
use crate::create::options::CreateOptions;
use crate::create::pipeline::levels::{LevelGeom, LevelSource};
use crate::create::pipeline::resample::Method;
use crate::create::pipeline::sample::{Sample, for_sample_type, from_le_into};
use crate::raster::RasterReader;
use crate::source::OpenOptions;
use crate::tiff::{Image, Kind, SampleFormat, Tiff};
use crate::{Error, Result};
use std::path::Path;
use std::sync::Arc;

/// What the overview check needs to know about how a pyramid was made.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub method: Method,
    /// GDAL_NODATA as written, when it masks pixels (rounded to the band's
    /// type at use).
    pub nodata: Option<f64>,
    /// Lossless codec: values are checked, not only masks.
    pub lossless: bool,
    /// An alpha band kept as a band takes part in the masking (weights
    /// 0-255): only finiteness and the range of every sample are checked.
    pub alpha_kept: bool,
    /// Samples per band (2 for complex).
    pub parts: usize,
    /// A palette band resampled through its colours (AVERAGE, RMS, GAUSS):
    /// the number of entries. A result is then any opaque entry, not a value
    /// between the footprint's indices.
    pub palette_entries: Option<usize>,
    /// Complex samples: GDAL's complex rules (NEAREST levels from full
    /// resolution; AVERAGE with its own footprints, nodata included).
    pub complex: bool,
}

impl Spec {
    pub fn of(cfg: &Config) -> Spec {
        let nodata = cfg.nodata.map(|v| cfg.nodata_text.as_deref().and_then(crate::tiff::nodata::parse).unwrap_or(v));
        let palette_entries = cfg
            .palette
            .as_ref()
            .filter(|_| crate::create::pipeline::resample::palette_applies(cfg.method))
            .map(|p| p.len());
        Spec {
            method: cfg.method,
            nodata,
            lossless: cfg.codec.lossless(),
            alpha_kept: cfg.alpha.is_some(),
            parts: 1,
            palette_entries,
            complex: cfg.complex,
        }
    }
}

/// Rows [y0, y0 + rows) of one level of `width` x `height` pixels: samples
/// (`comps` per pixel, pixel-interleaved) and the mask (0 = masked), if the
/// file has one.
pub struct LevelRows<'a, T> {
    pub width: usize,
    pub height: usize,
    pub y0: usize,
    pub rows: usize,
    pub data: &'a [T],
    pub mask: Option<&'a [u8]>,
}

/// How far a kernel's result may leave [min, max] of the valid samples in
/// its support, as a multiple of (max - min): `all_valid` when every sample
/// of the support is valid (the full, cut-at-the-edge kernel), else the
/// worst any subset passing GDAL's run rule gives. For one pass, with
/// weights w (P the positive ones' sum, N the negative ones' magnitude)
/// the result is within N / (P - N) of the range; the two passes compose as
/// k1 + k2 + 2 k1 k2. Worst one-pass figures over every level size up to
/// 80 and a sample of larger ones (ratios 1 and 2..3), every destination
/// index, every contiguous run of at least half the taps plus every
/// negative tap outside it: cubic 0.094 full / 2.63 partial, lanczos
/// 0.203 / 1255 (a few valid taps around a zero crossing). The constants
/// below round the composed figures up (the test `overshoot_bounds_hold`
/// recomputes them). Bilinear and gauss weights are never negative; the
/// B-spline's are only by rounding.
pub fn overshoot(method: Method, all_valid: bool) -> f64 {
    match (method, all_valid) {
        (Method::Cubic, true) => 0.25,
        (Method::Cubic, false) => 24.0,
        (Method::Lanczos, true) => 0.6,
        (Method::Lanczos, false) => 4.0e6,
        (Method::CubicSpline, _) => 1e-3,
        _ => 0.0,
    }
}

fn is_kernel(m: Method) -> bool {
    matches!(m, Method::Bilinear | Method::Cubic | Method::CubicSpline | Method::Lanczos)
}

fn ratio(src: usize, dst: usize) -> f64 {
    src as f64 / dst.max(1) as f64
}

/// [`footprint`] under the spec's rules (complex samples' AVERAGE).
fn footprint_of(spec: &Spec, d: usize, src: usize, dst: usize, ry: f64) -> (usize, usize) {
    if spec.complex && spec.method == Method::Average {
        let (y0, y1) = crate::create::pipeline::resample::src_rows_for(
            spec.method,
            true,
            crate::create::pipeline::resample::Level { width: 1, height: src },
            crate::create::pipeline::resample::Level { width: 1, height: dst },
            d,
            d + 1,
        );
        return (y0, y1);
    }
    footprint(spec.method, d, src, dst, ry)
}

/// Source span [a, b) that `method` reads along one axis for destination
/// index `d` (GDAL 3.6's overview rules: nearest index trunc(0.5 + d r);
/// boxes [trunc(d r + 1e-8), ceil((d + 1) r - 1e-8)); gauss a 3/5/7 binomial
/// sized by the vertical ratio `ry`, centred on the box; kernels their
/// radius stretched by r around the destination pixel's centre).
pub fn footprint(method: Method, d: usize, src: usize, dst: usize, ry: f64) -> (usize, usize) {
    let r = ratio(src, dst);
    let n = src;
    match method {
        Method::Nearest => {
            let i = ((0.5 + d as f64 * r) as usize).min(n.saturating_sub(1));
            (i, i + 1)
        }
        Method::Average | Method::Rms | Method::Mode => {
            let (f0, f1) = (d as f64 * r, (d + 1) as f64 * r);
            let a = ((f0 + 1e-8) as usize).min(n.saturating_sub(1));
            let b = ((f1 - 1e-8).ceil().max(0.0) as usize).max(a + 1).min(n).max(a + 1);
            (a, b)
        }
        Method::Gauss => {
            let f = (0.5 + ry) as usize;
            let dim: i64 = if f <= 2 {
                3
            } else if f <= 4 {
                5
            } else {
                7
            };
            let a0 = (0.5 + d as f64 * r) as i64;
            let b0 = (0.5 + (d + 1) as f64 * r) as i64 + 1;
            let a = a0 + (b0 - a0) / 2 - dim / 2;
            let b = (a + dim).min(n as i64);
            let a = (a.max(0) as usize).min(n);
            (a, (b.max(0) as usize).max(a))
        }
        Method::Bilinear | Method::Cubic | Method::CubicSpline | Method::Lanczos => {
            let radius = match method {
                Method::Bilinear => 1.0,
                Method::Lanczos => 3.0,
                _ => 2.0,
            };
            let sr = radius * r.max(1.0);
            let c = (d as f64 + 0.5) * r;
            let a = ((c - sr + 0.5).floor().max(0.0) as usize).min(n);
            let b = ((c + sr + 0.5) as usize).min(n);
            (a, b.max(a))
        }
    }
}

/// Everything `--verify` checks (see the module doc); `input` gives the
/// input's full-resolution rows, `h` of them.
pub(crate) fn verify_written(written: &Path, input: Sources, h: u64, cfg: &Config) -> Result<()> {
    use crate::read::validate::{FullCheck, Options, Rules, validate_source};
    let opts = Options { rules: Rules::Gdal, full_check: FullCheck::Yes };
    let report = validate_source(&written.to_string_lossy(), &OpenOptions::default(), &opts)?;
    // Errors fail; warnings (no overviews on a large image, overview tiles
    // of another size than 16-pixel main tiles...) follow from the options
    // asked for, and GDAL writes the same file.
    if !report.is_valid(false) {
        let first = report
            .findings
            .iter()
            .find(|f| f.severity == crate::read::validate::Severity::Error)
            .map(|f| f.message.clone())
            .unwrap_or_default();
        return Err(Error::format(format!("--verify: the output is not a valid COG: {}", first)));
    }
    if cfg.codec.lossless() && cfg.bands == cfg.src_bands {
        let b = open(written)?;
        let ib = Image::all(&b)?;
        let levels: Vec<&Image> = ib.iter().filter(|i| matches!(i.kind, Kind::Image | Kind::Overview)).collect();
        let step = cfg.levels[0].block;
        same_rows(input.image, &RasterReader::new(&b, levels[0])?, h, step, "the input")?;
        // Levels copied from the input's own overviews equal them.
        for (l, s) in cfg.level_sources.iter().enumerate() {
            if let (LevelSource::Copied(i), Some(img)) = (*s, levels.get(l)) {
                let what = format!("the input's overview {}", i + 1);
                same_rows(input.overviews[i].image, &RasterReader::new(&b, img)?, cfg.levels[l].height, step, &what)?;
            }
        }
    }
    check_overviews(written, cfg)
}

/// Rows [0, h) of `written` equal those of `input`, read `step` at a time.
fn same_rows(input: &dyn RowSource, written: &RasterReader, h: u64, step: u64, what: &str) -> Result<()> {
    let mut y = 0;
    while y < h {
        let y1 = (y + step).min(h);
        if input.read_rows(y, y1)? != written.read_rows(y, y1)? {
            let level = if what == "the input" { String::new() } else { format!(" of a {}-row level", h) };
            return Err(Error::format(format!(
                "--verify: rows {}..{}{} of the output differ from {}",
                y, y1, level, what
            )));
        }
        y = y1;
    }
    Ok(())
}

/// Check `written`, made by `cogtool create` from the local TIFF `input`
/// with options `o`, as `--verify` does (the options give the resampling,
/// nodata and masking the check expects).
pub fn verify_cog(written: &Path, input: &str, o: &CreateOptions) -> Result<()> {
    let mut tiff = open(Path::new(input))?;
    tiff.add_sub_ifds();
    let images = Image::all(&tiff)?;
    let mut inp = crate::create::input::info::describe(&tiff, &images)?;
    crate::create::input::sidecar::apply(Path::new(input), &mut inp)?;
    let reader = RasterReader::new(&tiff, &images[inp.image])?;
    let ovr_file = crate::create::input::overview_file::attach(input, &mut inp, &images)?;
    let ovr = inp
        .overviews
        .iter()
        .map(|v| match (&ovr_file, v.external) {
            (Some((t, imgs)), true) => RasterReader::new(t, &imgs[v.image]),
            _ => RasterReader::new(&tiff, &images[v.image]),
        })
        .collect::<Result<Vec<_>>>()?;
    let cfg = crate::create::config::resolve(o, &inp, reader.sample_bytes())?;
    let ovr_rows: Vec<InputLevelRows> = ovr.iter().map(|r| InputLevelRows { image: r, mask: None }).collect();
    let src = Sources { image: &reader, mask: None, overviews: &ovr_rows, stored: &[] };
    verify_written(written, src, inp.height, &cfg)
}

fn open(path: &Path) -> Result<Tiff> {
    let r = crate::source::open(&path.to_string_lossy(), &OpenOptions::default())?;
    Tiff::open_lenient(Arc::new(r))
}

/// Check every overview level of `written` against the level before it
/// (step 3 of the module doc), for a pyramid made with `cfg`.
pub fn check_overviews(written: &Path, cfg: &Config) -> Result<()> {
    let tiff = open(written)?;
    let images = Image::all(&tiff)?;
    let levels: Vec<&Image> = images.iter().filter(|i| matches!(i.kind, Kind::Image | Kind::Overview)).collect();
    let masks: Vec<&Image> = images.iter().filter(|i| matches!(i.kind, Kind::Mask | Kind::OverviewMask)).collect();
    let dims: Vec<(u64, u64)> = levels.iter().map(|i| (i.width, i.height)).collect();
    let want: Vec<(u64, u64)> = cfg.levels.iter().map(|g| (g.width, g.height)).collect();
    if dims != want {
        return Err(Error::format(format!("--verify: the output's levels are {:?}, not {:?}", dims, want)));
    }
    let with_mask = cfg.mask != MaskSource::None;
    if with_mask && masks.len() != levels.len() {
        return Err(Error::format(format!(
            "--verify: the output has {} mask IFDs for {} levels",
            masks.len(),
            levels.len()
        )));
    }
    let first = levels[0];
    let complex = matches!(first.sample_format, SampleFormat::ComplexInt | SampleFormat::ComplexFloat);
    let parts = if complex { 2 } else { 1 };
    let spec = Spec { parts, ..Spec::of(cfg) };
    let bits = first.bits_per_sample.first().copied().unwrap_or(8) as usize;
    let comp_bytes = bits.div_ceil(8) / parts;
    let comps = first.samples as usize * parts;
    let readers = levels
        .iter()
        .enumerate()
        .map(|(l, img)| {
            let mask = if with_mask { Some(RasterReader::new(&tiff, masks[l])?) } else { None };
            Ok((RasterReader::new(&tiff, img)?, mask))
        })
        .collect::<Result<Vec<_>>>()?;
    for_sample_type!(first.sample_format, comp_bytes,
        T => all_levels::<T>(&spec, comps, cfg, &readers),
        // Sub-byte and odd widths: nothing to compare levels with.
        _ => Ok(()))
}

type Readers<'a> = [(RasterReader<'a>, Option<RasterReader<'a>>)];

/// Level after level, in bands of one destination tile row.
/// Levels copied from the input's own overviews are not computed from any
/// level: [`verify_written`] compares them with the input's.
fn all_levels<T: Sample>(spec: &Spec, comps: usize, cfg: &Config, readers: &Readers) -> Result<()> {
    let geoms = &cfg.levels;
    let (mut sbuf, mut dbuf) = (Vec::<T>::new(), Vec::<T>::new());
    for l in (1..geoms.len()).filter(|&l| cfg.level_sources[l] == LevelSource::Computed) {
        let from = crate::create::pipeline::resample::source_level(spec.method, spec.complex, l);
        let (g0, g1) = (geoms[from], geoms[l]);
        let (h0, h1) = (g0.height as usize, g1.height as usize);
        let ry = ratio(h0, h1);
        let mut d0 = 0;
        while d0 < h1 {
            let d1 = (d0 + g1.block as usize).min(h1);
            let s0 = footprint_of(spec, d0, h0, h1, ry).0;
            let s1 = footprint_of(spec, d1 - 1, h0, h1, ry).1.max(s0 + 1).min(h0);
            let smask = read_level(&readers[from], g0, s0, s1, &mut sbuf)?;
            let dmask = read_level(&readers[l], g1, d0, d1, &mut dbuf)?;
            for (buf, g, rows) in [(&sbuf, g0, s1 - s0), (&dbuf, g1, d1 - d0)] {
                if buf.len() != rows * g.width as usize * comps {
                    return Err(Error::format(format!(
                        "--verify: rows of a {}x{} level decode to {} samples, not {}",
                        g.width,
                        g.height,
                        buf.len(),
                        rows * g.width as usize * comps
                    )));
                }
            }
            let src = level_rows(g0, s0, s1, &sbuf, smask.as_deref());
            let dst = level_rows(g1, d0, d1, &dbuf, dmask.as_deref());
            check_rows(spec, comps, l, &src, &dst)?;
            d0 = d1;
        }
    }
    Ok(())
}

fn level_rows<'a, T>(g: LevelGeom, y0: usize, y1: usize, data: &'a [T], mask: Option<&'a [u8]>) -> LevelRows<'a, T> {
    LevelRows { width: g.width as usize, height: g.height as usize, y0, rows: y1 - y0, data, mask }
}

/// Rows [y0, y1) of a level into `out`; its mask as one byte per pixel.
fn read_level<T: Sample>(
    r: &(RasterReader, Option<RasterReader>),
    g: LevelGeom,
    y0: usize,
    y1: usize,
    out: &mut Vec<T>,
) -> Result<Option<Vec<u8>>> {
    let bytes = r.0.read_rows(y0 as u64, y1 as u64)?;
    from_le_into(&bytes, out);
    let Some(mr) = &r.1 else { return Ok(None) };
    let m = mr.read_rows(y0 as u64, y1 as u64)?;
    let (w, rows) = (g.width as usize, y1 - y0);
    let row_bytes = m.len() / rows.max(1);
    if row_bytes == w {
        return Ok(Some(m));
    }
    if row_bytes != w.div_ceil(8) {
        return Err(Error::format(format!("--verify: a mask with {} bytes per row of {} pixels", row_bytes, w)));
    }
    Ok(Some(
        (0..rows * w)
            .map(|i| if m[(i / w) * row_bytes + (i % w) / 8] & (0x80 >> (i % w % 8)) != 0 { 255 } else { 0 })
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::create::pipeline::resample::{self, Level};

    /// The footprints' rows are the ones the pyramid reads (resample.rs).
    #[test]
    fn footprints_match_the_resampler() {
        for &src in &[1usize, 2, 3, 5, 7, 8, 33, 100, 375, 513, 1001] {
            let dst = (src / 2).max(1);
            let (s, d) = (Level { width: 1, height: src }, Level { width: 1, height: dst });
            for m in Method::ALL {
                for y in 0..dst {
                    let want = resample::src_rows_needed(m, s, d, y, y + 1);
                    assert_eq!(
                        footprint(m, y, src, dst, ratio(src, dst)),
                        want,
                        "{:?} {} -> {} row {}",
                        m,
                        src,
                        dst,
                        y
                    );
                }
            }
        }
    }

    fn cubic(x: f64) -> f64 {
        let (ax, x2) = (x.abs(), x * x);
        if ax <= 1.0 {
            x2 * (1.5 * ax - 2.5) + 1.0
        } else if ax <= 2.0 {
            x2 * (-0.5 * ax + 2.5) - 4.0 * ax + 2.0
        } else {
            0.0
        }
    }

    fn lanczos(x: f64) -> f64 {
        if x == 0.0 {
            return 1.0;
        }
        let px = std::f64::consts::PI * x;
        px.sin() * (px / 3.0).sin() / (px * px / 3.0)
    }

    /// Worst one-pass overshoot factor N / (P - N): of the whole cut kernel
    /// (`full`), and of any run of at least half the taps plus every
    /// negative tap outside it.
    fn one_pass(w: &[f64]) -> (f64, f64) {
        let neg = |s: &[f64]| s.iter().filter(|&&x| x < 0.0).map(|x| -x).sum::<f64>();
        let pos = |s: &[f64]| s.iter().filter(|&&x| x > 0.0).sum::<f64>();
        let k = |p: f64, n: f64| if p - n > 0.0 { n / (p - n) } else { 0.0 };
        let full = k(pos(w), neg(w));
        let mut worst = full;
        let need = (w.len() / 2).max(1);
        for i in 0..w.len() {
            for j in i + need..=w.len() {
                let outside = neg(&w[..i]) + neg(&w[j..]);
                worst = worst.max(k(pos(&w[i..j]), neg(&w[i..j]) + outside));
            }
        }
        (full, worst)
    }

    #[test]
    fn overshoot_bounds_hold() {
        let compose = |k: f64| 2.0 * k + 2.0 * k * k;
        for (m, kern) in [(Method::Cubic, cubic as fn(f64) -> f64), (Method::Lanczos, lanczos)] {
            let (mut full, mut part) = (0f64, 0f64);
            for src in (1..80).chain([101, 157, 255, 257, 511, 513, 1001, 1023, 1025]) {
                let dst = (src / 2).max(1);
                let r = ratio(src, dst);
                let sw = if r <= 1.0 { 1.0 } else { 1.0 / r };
                for d in 0..dst {
                    let (a, b) = footprint(m, d, src, dst, r);
                    let c = (d as f64 + 0.5) * r;
                    let w: Vec<f64> = (a..b).map(|p| kern(sw * (p as f64 - c + 0.5))).collect();
                    let (f, p) = one_pass(&w);
                    full = full.max(f);
                    part = part.max(p);
                }
            }
            assert!(compose(full) <= overshoot(m, true), "{:?}: full {}", m, compose(full));
            assert!(compose(part) <= overshoot(m, false), "{:?}: partial {}", m, compose(part));
        }
    }

    /// GDAL's text for -3.4e38: more digits than an f32 holds.
    const GDAL_TEXT: &str = "-3.39999999999999996e+38";

    /// A Float32 level with GDAL_NODATA -3.39999999999999996e+38 (f32:
    /// -3.4e38): the left half nodata, the right half data 0..100.
    fn f32_level(w: usize, h: usize) -> Vec<f32> {
        let nd = GDAL_TEXT.parse::<f64>().unwrap() as f32;
        (0..w * h).map(|i| if i % w < w / 2 { nd } else { (i % w) as f32 + (i / w) as f32 * 0.5 }).collect()
    }

    fn spec(m: Method) -> Spec {
        Spec {
            method: m,
            nodata: GDAL_TEXT.parse().ok(),
            lossless: true,
            alpha_kept: false,
            parts: 1,
            palette_entries: None,
            complex: false,
        }
    }

    fn check(m: Method, src: &[f32], dst: &[f32], w: usize, h: usize) -> Result<()> {
        let s = LevelRows { width: w, height: h, y0: 0, rows: h, data: src, mask: None };
        let d = LevelRows { width: w / 2, height: h / 2, y0: 0, rows: h / 2, data: dst, mask: None };
        check_rows(&spec(m), 1, 1, &s, &d)
    }

    /// A correct overview passes; the float-nodata bug's outputs (-inf, and
    /// nodata averaged in as a value) are caught, named by level and pixel.
    #[test]
    fn catches_float_nodata_mixed_into_overviews() {
        let (w, h) = (16, 8);
        let src = f32_level(w, h);
        let nd = src[0];
        for m in [Method::Average, Method::Cubic, Method::Nearest, Method::Gauss, Method::Bilinear] {
            let win = resample::Window { data: &src, valid: None, y0: 0, rows: h };
            let (good, _) = resample::resample(
                m,
                Level { width: w, height: h },
                &win,
                1,
                Level { width: w / 2, height: h / 2 },
                0,
                h / 2,
                Some(nd as f64),
            );
            // Nodata compared as f32, as the band holds it: a correct overview.
            let fixed = good;
            check(m, &src, &fixed, w, h).unwrap_or_else(|e| panic!("{:?}: {}", m, e));
            let mut bad = fixed.clone();
            bad[6] = f32::NEG_INFINITY;
            let e = check(m, &src, &bad, w, h).unwrap_err().to_string();
            assert!(e.contains("--verify: overview 1 (8x4) pixel (6, 0) band 1: value -inf outside"), "{}", e);
            let mut bad = fixed;
            bad[3 * (w / 2) + 5] = -3.3e38;
            let e = check(m, &src, &bad, w, h).unwrap_err().to_string();
            assert!(e.contains("pixel (5, 3) band 1: value -3.3"), "{}", e);
        }
    }

    /// Nodata where the footprint has data, data where it has none.
    #[test]
    fn catches_wrong_validity() {
        let (w, h) = (16, 8);
        let src = f32_level(w, h);
        let nd = src[0];
        let good: Vec<f32> =
            (0..w * h / 4).map(|i| if i % (w / 2) < w / 4 { nd } else { 10.0 + (i % (w / 2)) as f32 * 2.0 }).collect();
        // Average over a 2x2 box of x + y/2 values: within range, loosely.
        let mut ok = good.clone();
        for (i, v) in ok.iter_mut().enumerate() {
            let (x, y) = (i % (w / 2), i / (w / 2));
            if x >= w / 4 {
                *v = (2 * x) as f32 + 0.5 + y as f32;
            }
        }
        check(Method::Average, &src, &ok, w, h).unwrap();
        let mut bad = ok.clone();
        bad[w / 4 + 1] = nd;
        let e = check(Method::Average, &src, &bad, w, h).unwrap_err().to_string();
        assert!(
            e.contains("pixel (5, 0) band 1: value -3.4e38 is nodata or masked but its footprint has 4 valid"),
            "{}",
            e
        );
        let mut bad = ok;
        bad[1] = 3.0;
        let e = check(Method::Average, &src, &bad, w, h).unwrap_err().to_string();
        assert!(e.contains("pixel (1, 0) band 1: value 3e0 is valid but its footprint has no valid sample"), "{}", e);
    }
}
