//! Compares our overview resampling with GDAL 3.6's, pixel by pixel.
//!
//! For each case a Python script (GDAL's bindings + numpy) builds a
//! synthetic image in a temp dir, runs `gdal_translate -of COG -co
//! RESAMPLING=<method>` on it and dumps the full-resolution samples and
//! every overview GDAL wrote as raw little-endian arrays. We then compute
//! the pyramid ourselves, the way the COG driver does it (each level from
//! the previous one), in bands of rows fed through `src_rows_needed` as
//! `cogtool create` does, and compare:
//! * "step": our level k+1 computed from GDAL's level k (the algorithm
//!   alone), and
//! * "cascade": our whole pyramid from the full-resolution image.
//!
//! Skips (printing why) when GDAL's Python bindings are not installed.

use crate::common;

use cogtool::create::pipeline::resample::{Level, Method, Pixel, Window, overview_level, resample, src_rows_needed};
use std::path::Path;
use std::process::Command;

const PYTHON: &str = common::PY;

/// Python side: build the image, make the COG, dump the levels.
const GEN_PY: &str = r#"
import sys, os, numpy as np
from osgeo import gdal
gdal.UseExceptions()
out, W, H, dtype, bands, nodata, method, seed = sys.argv[1:9]
W = int(W); H = int(H); bands = int(bands); seed = int(seed)
dt = {'u8': (np.uint8, gdal.GDT_Byte), 'i16': (np.int16, gdal.GDT_Int16),
      'u16': (np.uint16, gdal.GDT_UInt16), 'i32': (np.int32, gdal.GDT_Int32),
      'u32': (np.uint32, gdal.GDT_UInt32), 'f32': (np.float32, gdal.GDT_Float32),
      'f64': (np.float64, gdal.GDT_Float64)}[dtype]
rng = np.random.default_rng(seed)
yy, xx = np.mgrid[0:H, 0:W]
arr = np.empty((bands, H, W), dtype=dt[0])
for b in range(bands):
    v = 100 + 80 * np.sin(xx / 37.0 + b) * np.cos(yy / 23.0) + rng.normal(0, 20, (H, W))
    if method == 'MODE':
        v = np.floor(v / 40) * 40   # few distinct values, so modes are meaningful
    scale = {'u8': (1, 0), 'i16': (40, -4000), 'u16': (200, 0), 'i32': (1000, -100000),
             'u32': (1000, 0), 'f32': (0.37, -20), 'f64': (0.37, -20)}[dtype]
    v = v * scale[0] + scale[1]
    if dt[0] in (np.float32, np.float64):
        arr[b] = v.astype(dt[0])
    else:
        info = np.iinfo(dt[0])
        arr[b] = np.clip(np.rint(v), info.min, info.max).astype(dt[0])
nd = None if nodata == 'none' else float(nodata)
if nd is not None:
    # GDAL 3.6 applies band 1's nodata mask to every band of a pixel-
    # interleaved image; we apply each band's own. Keep nodata where all
    # bands agree so both readings are the same image.
    arr[arr == arr.dtype.type(nd)] += 1
    m = rng.random((H, W)) < 0.05
    for _ in range(6):
        x0 = rng.integers(0, W); y0 = rng.integers(0, H)
        m[y0:y0 + rng.integers(1, 60), x0:x0 + rng.integers(1, 60)] = True
    arr[:, m] = nd
arr.transpose(1, 2, 0).tofile(os.path.join(out, 'in.bin'))
src = os.path.join(out, 'in.tif')
ds = gdal.GetDriverByName('GTiff').Create(src, W, H, bands, dt[1])
for b in range(bands):
    rb = ds.GetRasterBand(b + 1)
    if nd is not None:
        rb.SetNoDataValue(nd)
    rb.WriteArray(arr[b])
ds = None
cog = os.path.join(out, 'out.tif')
# Up to 5 levels, whatever the image size (GDAL would stop at the block size).
count = 0
while count < 5 and (W >> (count + 1)) >= 2 and (H >> (count + 1)) >= 2:
    count += 1
gdal.Translate(cog, src, format='COG',
               creationOptions=['RESAMPLING=' + method, 'BLOCKSIZE=128', 'COMPRESS=NONE',
                                'OVERVIEW_COUNT=%d' % count])
ds = gdal.Open(cog)
n = ds.GetRasterBand(1).GetOverviewCount()
sizes = []
for k in range(n):
    ov = [ds.GetRasterBand(b + 1).GetOverview(k).ReadAsArray() for b in range(bands)]
    a = np.stack(ov, axis=-1).astype(dt[0])
    a.tofile(os.path.join(out, 'ovr%d.bin' % (k + 1)))
    sizes.append('%d %d' % (a.shape[1], a.shape[0]))
ds = None
open(os.path.join(out, 'sizes.txt'), 'w').write('\n'.join(sizes) + '\n')
"#;

fn gdal_ready() -> bool {
    common::oracles(common::GDAL_PYTHON, "resampling against GDAL's overviews")
}

/// Sample types we can read back from raw little-endian dumps.
trait Sample: Pixel + std::fmt::Debug {
    const SIZE: usize;
    const NAME: &'static str;
    fn from_le(b: &[u8]) -> Self;
}

macro_rules! sample {
    ($t:ty, $name:expr) => {
        impl Sample for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            const NAME: &'static str = $name;
            fn from_le(b: &[u8]) -> Self {
                <$t>::from_le_bytes(b.try_into().unwrap())
            }
        }
    };
}
sample!(u8, "u8");
sample!(i16, "i16");
sample!(u16, "u16");
sample!(i32, "i32");
sample!(u32, "u32");
sample!(f32, "f32");
sample!(f64, "f64");

fn read_raw<T: Sample>(path: &Path) -> Vec<T> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    bytes.chunks_exact(T::SIZE).map(T::from_le).collect()
}

/// Computes a whole level from the previous one in bands of `chunk` rows,
/// each band fed only the source rows `src_rows_needed` asks for.
fn level_in_chunks<T: Pixel>(
    m: Method,
    src: Level,
    data: &[T],
    bands: usize,
    dst: Level,
    nodata: Option<f64>,
    chunk: usize,
) -> Vec<T> {
    let mut out = Vec::with_capacity(dst.width * dst.height * bands);
    let row = src.width * bands;
    let mut y = 0;
    while y < dst.height {
        let y1 = (y + chunk).min(dst.height);
        let (s0, s1) = src_rows_needed(m, src, dst, y, y1);
        assert!(s0 < s1 && s1 <= src.height, "{m:?}: bad source rows {s0}..{s1} for {y}..{y1}");
        let win = Window { data: &data[s0 * row..s1 * row], valid: None, y0: s0, rows: s1 - s0 };
        let (part, valid) = resample(m, src, &win, bands, dst, y, y1, nodata);
        assert!(valid.is_none());
        assert_eq!(part.len(), (y1 - y) * dst.width * bands);
        out.extend_from_slice(&part);
        y = y1;
    }
    out
}

/// How one of our levels compares with GDAL's.
#[derive(Default, Debug)]
struct Diff {
    samples: usize,
    exact: usize,
    max_abs: f64,
    max_rel: f64,
    /// Samples that are nodata (or NaN) on one side only.
    nodata_mismatch: usize,
    /// GDAL nodata where we have a valid value next to it: GDAL 3.6 checks
    /// "result == nodata" before rounding its Float32 working value to the
    /// integer type (Int16/Int32/UInt32...), so a valid -0.8 can round to a
    /// nodata of -1. We round first and then nudge, as GDAL does for Byte.
    gdal_rounded_to_nodata: usize,
}

fn compare<T: Pixel>(ours: &[T], gdal: &[T], nodata: Option<f64>) -> Diff {
    assert_eq!(ours.len(), gdal.len());
    let mut d = Diff { samples: ours.len(), ..Default::default() };
    let is_nd = |v: f64| v.is_nan() || nodata.is_some_and(|n| v == n);
    for (&a, &b) in ours.iter().zip(gdal) {
        let (a, b) = (a.to_f64(), b.to_f64());
        if a == b || (a.is_nan() && b.is_nan()) {
            d.exact += 1;
            continue;
        }
        if is_nd(b) && !is_nd(a) && nodata.is_some_and(|n| (a - n).abs() <= 1.0) {
            d.gdal_rounded_to_nodata += 1;
            continue;
        }
        if is_nd(a) != is_nd(b) {
            d.nodata_mismatch += 1;
            continue;
        }
        let abs = (a - b).abs();
        d.max_abs = d.max_abs.max(abs);
        d.max_rel = d.max_rel.max(abs / b.abs().max(1.0));
    }
    d
}

struct Case {
    w: usize,
    h: usize,
    bands: usize,
    nodata: Option<f64>,
    method: Method,
}

/// Runs one case; returns the (step, cascade) comparisons of every level.
fn run_case<T: Sample>(c: &Case, seed: u32) -> Vec<(Level, Diff, Diff)> {
    let dir = tempfile::tempdir().unwrap();
    let nd = c.nodata.map(|v| format!("{v}")).unwrap_or_else(|| "none".into());
    let out = Command::new(PYTHON)
        .args(["-c", GEN_PY])
        .arg(dir.path())
        .args([c.w.to_string(), c.h.to_string(), T::NAME.to_string(), c.bands.to_string(), nd])
        .args([c.method.gdal_name().to_string(), seed.to_string()])
        .output()
        .expect("run python");
    assert!(out.status.success(), "generator failed: {}", String::from_utf8_lossy(&out.stderr));
    let sizes = std::fs::read_to_string(dir.path().join("sizes.txt")).unwrap();
    let full = Level { width: c.w, height: c.h };
    let mut ours_prev: Vec<T> = read_raw(&dir.path().join("in.bin"));
    let mut gdal_prev = ours_prev.clone();
    let mut prev_level = full;
    let mut res = Vec::new();
    for (k, line) in sizes.lines().filter(|l| !l.is_empty()).enumerate() {
        let mut it = line.split(' ').map(|v| v.parse::<usize>().unwrap());
        let lvl = Level { width: it.next().unwrap(), height: it.next().unwrap() };
        assert_eq!(lvl, overview_level(full, k as u32 + 1), "level {} size", k + 1);
        let gdal: Vec<T> = read_raw(&dir.path().join(format!("ovr{}.bin", k + 1)));
        // Odd chunk heights so band boundaries fall everywhere.
        let step = level_in_chunks(c.method, prev_level, &gdal_prev, c.bands, lvl, c.nodata, 37);
        let casc = level_in_chunks(c.method, prev_level, &ours_prev, c.bands, lvl, c.nodata, 64);
        res.push((lvl, compare(&step, &gdal, c.nodata), compare(&casc, &gdal, c.nodata)));
        ours_prev = casc;
        gdal_prev = gdal;
        prev_level = lvl;
    }
    res
}

/// Largest difference allowed per sample, in units for integers, relative
/// for floats. Measured figures are in docs/gdal-parity.md ("Overview resampling").
/// * NEAREST and MODE copy source values: identical, except that GDAL 3.6
///   runs Float64 through a Float32 working type (we keep f64), so there
///   the values agree to f32 precision (2^-24 relative).
/// * Integers: within 1 per step. Over a cascade of levels AVERAGE stays
///   within 1; RMS reaches 2, because GDAL 3.6's integer RMS overflows for
///   UInt16 roots >= 32768 outside the 2x2 fast path and rounds those up.
/// * Float32 within 1e-5 (summation order), Float64 within 1e-6 (GDAL's
///   Float32 working type again).
fn tolerance<T: Sample>(m: Method, cascade: bool) -> f64 {
    let wide = T::NAME == "f64";
    match m {
        Method::Nearest | Method::Mode if wide => 6e-8,
        Method::Nearest | Method::Mode => 0.0,
        _ if wide => 1e-6,
        _ if T::FLOAT => 1e-5,
        Method::Average => 1.0,
        _ if cascade => 2.0,
        _ => 1.0,
    }
}

fn check_case<T: Sample>(c: &Case) {
    let rows = run_case::<T>(c, 7);
    assert!(!rows.is_empty(), "GDAL made no overview for {}x{}", c.w, c.h);
    for (k, (lvl, step, casc)) in rows.iter().enumerate() {
        for (what, d) in [("step", step), ("cascade", casc)] {
            let tol = tolerance::<T>(c.method, what == "cascade");
            eprintln!(
                "{:<11} {:>3} {}b {}x{} nodata={:?} level {} ({}x{}) {:<7}: {:.4}% exact, max abs {}, max rel {:.2e}, nodata mismatches {}, GDAL rounded to nodata {}",
                c.method.gdal_name(),
                T::NAME,
                c.bands,
                c.w,
                c.h,
                c.nodata,
                k + 1,
                lvl.width,
                lvl.height,
                what,
                100.0 * d.exact as f64 / d.samples as f64,
                d.max_abs,
                d.max_rel,
                d.nodata_mismatch,
                d.gdal_rounded_to_nodata
            );
            let measure = if T::FLOAT { d.max_rel } else { d.max_abs };
            assert_eq!(d.nodata_mismatch, 0, "{what} level {}: nodata placement differs from GDAL", k + 1);
            assert!(
                d.gdal_rounded_to_nodata * 1000 <= d.samples,
                "{what} level {}: too many nodata differences",
                k + 1
            );
            assert!(measure <= tol, "{what} level {}: difference {measure} over tolerance {tol}", k + 1);
        }
    }
}

fn cases(method: Method) {
    if !gdal_ready() {
        return;
    }
    check_case::<u8>(&Case { w: 1500, h: 1100, bands: 1, nodata: None, method });
    check_case::<u8>(&Case { w: 513, h: 513, bands: 3, nodata: Some(0.0), method });
    check_case::<i16>(&Case { w: 100, h: 80, bands: 1, nodata: Some(-9999.0), method });
    check_case::<u16>(&Case { w: 513, h: 300, bands: 2, nodata: None, method });
    check_case::<i32>(&Case { w: 300, h: 257, bands: 1, nodata: Some(-2147483648.0), method });
    check_case::<f32>(&Case { w: 1025, h: 333, bands: 1, nodata: Some(-9999.0), method });
    check_case::<f64>(&Case { w: 260, h: 700, bands: 1, nodata: None, method });
}

#[test]
fn gdal_nearest() {
    cases(Method::Nearest);
}

#[test]
fn gdal_average() {
    cases(Method::Average);
}

#[test]
fn gdal_rms() {
    cases(Method::Rms);
}

#[test]
fn gdal_mode() {
    cases(Method::Mode);
}

#[test]
fn gdal_gauss() {
    cases(Method::Gauss);
}

#[test]
fn gdal_bilinear() {
    cases(Method::Bilinear);
}

#[test]
fn gdal_cubic() {
    cases(Method::Cubic);
}

#[test]
fn gdal_cubicspline() {
    cases(Method::CubicSpline);
}

#[test]
fn gdal_lanczos() {
    cases(Method::Lanczos);
}

/// Python side for masked images: a Byte image with an internal mask,
/// through the COG driver; dumps data and mask of the full image and of
/// overview 1.
const GEN_MASK_PY: &str = r#"
import sys, os, numpy as np
from osgeo import gdal
gdal.UseExceptions()
gdal.SetConfigOption('GDAL_TIFF_INTERNAL_MASK', 'YES')
out, W, H, bands, method = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
rng = np.random.default_rng(11)
yy, xx = np.mgrid[0:H, 0:W]
a = np.stack([np.clip(100 + 80 * np.sin(xx / 9.0 + b) * np.cos(yy / 7.0) + rng.normal(0, 20, (H, W)), 0, 255)
              for b in range(bands)]).astype(np.uint8)
m = np.full((H, W), 255, np.uint8)
m[:, :W // 4] = 0
m[H // 3:H // 2, W // 2:W // 2 + 5] = 0
m[rng.random((H, W)) < 0.1] = 0
src = os.path.join(out, 'in.tif')
ds = gdal.GetDriverByName('GTiff').Create(src, W, H, bands, gdal.GDT_Byte)
for b in range(bands):
    ds.GetRasterBand(b + 1).WriteArray(a[b])
ds.CreateMaskBand(gdal.GMF_PER_DATASET)
ds.GetRasterBand(1).GetMaskBand().WriteArray(m)
ds = None
a.transpose(1, 2, 0).tofile(os.path.join(out, 'in.bin'))
m.tofile(os.path.join(out, 'in_mask.bin'))
cog = os.path.join(out, 'out.tif')
gdal.Translate(cog, src, format='COG', creationOptions=['RESAMPLING=' + method, 'OVERVIEW_COUNT=1', 'BLOCKSIZE=128'])
ds = gdal.Open(cog)
ov = [ds.GetRasterBand(b + 1).GetOverview(0) for b in range(bands)]
np.stack([o.ReadAsArray() for o in ov], axis=-1).astype(np.uint8).tofile(os.path.join(out, 'ovr1.bin'))
ov[0].GetMaskBand().ReadAsArray().astype(np.uint8).tofile(os.path.join(out, 'ovr1_mask.bin'))
open(os.path.join(out, 'sizes.txt'), 'w').write('%d %d\n' % (ov[0].XSize, ov[0].YSize))
ds = None
"#;

/// With an internal mask, GDAL's mask overview and the pixels under it
/// must match ours: the validity we return is the mask overview.
#[test]
fn gdal_masked_all_methods() {
    if !gdal_ready() {
        return;
    }
    for m in Method::ALL {
        for (w, h, bands) in [(137, 91, 1), (200, 160, 3)] {
            let dir = tempfile::tempdir().unwrap();
            let out = Command::new(PYTHON)
                .args(["-c", GEN_MASK_PY])
                .arg(dir.path())
                .args([w.to_string(), h.to_string(), bands.to_string(), m.gdal_name().to_string()])
                .output()
                .expect("run python");
            assert!(out.status.success(), "generator failed: {}", String::from_utf8_lossy(&out.stderr));
            let data: Vec<u8> = std::fs::read(dir.path().join("in.bin")).unwrap();
            let mask: Vec<u8> = std::fs::read(dir.path().join("in_mask.bin")).unwrap();
            let g_data: Vec<u8> = std::fs::read(dir.path().join("ovr1.bin")).unwrap();
            let g_mask: Vec<u8> = std::fs::read(dir.path().join("ovr1_mask.bin")).unwrap();
            let src = Level { width: w, height: h };
            let dst = overview_level(src, 1);
            let win = Window { data: &data, valid: Some(&mask), y0: 0, rows: h };
            let (o, v) = resample(m, src, &win, bands, dst, 0, dst.height, None);
            let v = v.unwrap();
            let mask_diff = v.iter().zip(&g_mask).filter(|(a, b)| a != b).count();
            let mut max_abs = 0i32;
            let mut exact = 0;
            for (i, (a, b)) in o.iter().zip(&g_data).enumerate() {
                // Compare values where GDAL's mask says valid; under the
                // mask GDAL writes 0 (or, for nearest, the raw value).
                if g_mask[i / bands] == 0 && m != Method::Nearest {
                    continue;
                }
                max_abs = max_abs.max((*a as i32 - *b as i32).abs());
                exact += (a == b) as usize;
            }
            eprintln!(
                "masked {:<11} {w}x{h}x{bands}: mask differs at {mask_diff} of {} pixels, values max abs {max_abs}, {exact} exact",
                m.gdal_name(),
                v.len()
            );
            if m == Method::Mode {
                // GDAL 3.6's Byte MODE ignores the mask (masked pixels vote)
                // and its mask overview is the majority of the mask; we
                // count valid pixels only and call a pixel valid when any
                // valid pixel is in its footprint. Reported, not compared.
                continue;
            }
            assert_eq!(mask_diff, 0, "{m:?}: mask overview differs from GDAL's");
            assert!(max_abs <= tolerance::<u8>(m, false) as i32, "{m:?}: value difference {max_abs}");
        }
    }
}
