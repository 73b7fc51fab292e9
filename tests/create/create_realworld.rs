//! `create` on reproductions of what real producers write (fixtures made by
//! testdata/gen/realworld.sh): float nodata with more digits than the band
//! holds, fractional nodata on integers, palettes stored under a gray
//! photometric, lossy codecs on palettes. Each test failed before its fix.
//! Outputs are read back with our own parser and decoder; where GDAL is
//! installed the output is also compared with `gdal_translate -of COG`.

use crate::common;

use cogtool::raster::RasterReader;
use cogtool::tiff::{Image, Kind, Tiff, tags};
use common::{cogtool, stderr, testdata};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cogtool-rw-{}-{}", name, std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn create(input: &Path, output: &Path, extra: &[&str]) {
    let mut a = vec!["create", input.to_str().unwrap(), output.to_str().unwrap(), "--overwrite", "-q"];
    a.extend_from_slice(extra);
    let o = cogtool(&a);
    assert!(o.status.success(), "create {:?}: {}", extra, stderr(&o));
}

/// `gdal_translate -of COG` of `input` into `out` with creation options
/// `co` (single-threaded, as GDAL's default).
fn gdal_cog(input: &Path, out: &Path, co: &[&str]) {
    let mut c = Command::new("gdal_translate");
    c.args(["-q", "-of", "COG"]);
    for o in co {
        c.args(["-co", o]);
    }
    let st = c.arg(input).arg(out).env("GDAL_NUM_THREADS", "1").status().unwrap();
    assert!(st.success(), "gdal_translate {:?}", co);
}

/// Whether two files hold the same bytes.
fn same_bytes(a: &Path, b: &Path) -> bool {
    std::fs::read(a).unwrap() == std::fs::read(b).unwrap()
}

fn open(path: &Path) -> Tiff {
    let r = cogtool::source::open(&path.to_string_lossy(), &Default::default()).unwrap();
    Tiff::open(Arc::new(r)).unwrap()
}

/// Every image IFD (full resolution, then overviews): its size and its
/// decoded little-endian bytes.
fn levels(path: &Path) -> Vec<(u64, u64, Vec<u8>)> {
    let t = open(path);
    let imgs = Image::all(&t).unwrap();
    imgs.iter()
        .filter(|i| matches!(i.kind, Kind::Image | Kind::Overview))
        .map(|i| (i.width, i.height, RasterReader::new(&t, i).unwrap().read_rows(0, i.height).unwrap()))
        .collect()
}

/// [`levels`] as f32 samples.
fn levels_f32(path: &Path) -> Vec<(u64, u64, Vec<f32>)> {
    let f = |b: Vec<u8>| b.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    levels(path).into_iter().map(|(w, h, b)| (w, h, f(b))).collect()
}

/// [`levels`] as i16 samples.
fn levels_i16(path: &Path) -> Vec<Vec<i16>> {
    levels(path)
        .into_iter()
        .map(|(_, _, b)| b.chunks_exact(2).map(|c| i16::from_le_bytes([c[0], c[1]])).collect())
        .collect()
}

fn text_tag(path: &Path, tag: u16) -> Option<String> {
    let t = open(path);
    t.ifds[0].str_of(tag).map(|s| s.trim_end_matches('\0').to_string())
}

/// Float32 with GDAL_NODATA "-3.39999999999999996e+38": every overview
/// pixel is exactly the band's nodata or a finite value near the data
/// range (100..1099; kernels overshoot at the pattern's jumps, by far less
/// than the 1100 allowed here), for every resampling; the
/// nodata is written as GDAL holds it (rounded to float).
#[test]
fn float_nodata_with_extra_digits_is_compared_in_the_band_type() {
    let dir = tmp("f32nd");
    let input = testdata("rw_f32_nodata_digits.tif");
    let nd = -3.4e38f32;
    for method in ["average", "cubic", "bilinear", "lanczos", "cubicspline", "gauss", "rms", "mode", "nearest"] {
        let out = dir.join(format!("{}.tif", method));
        create(&input, &out, &["--resampling", method, "--blocksize", "128"]);
        assert_eq!(text_tag(&out, tags::GDAL_NODATA).as_deref(), Some("-3.39999995214436425e+38"));
        let levels = levels_f32(&out);
        assert!(levels.len() >= 3, "{}: {} levels", method, levels.len());
        for (l, (w, h, v)) in levels.iter().enumerate().skip(1) {
            let mut nodata = 0;
            for (i, &x) in v.iter().enumerate() {
                if x == nd {
                    nodata += 1;
                    continue;
                }
                assert!(
                    x.is_finite() && (-1000.0..=2200.0).contains(&x),
                    "{} level {} ({}x{}) pixel ({}, {}): {} is neither nodata nor data",
                    method,
                    l,
                    w,
                    h,
                    i as u64 % w,
                    i as u64 / w,
                    x
                );
            }
            // The left half is nodata at every level.
            assert!(nodata as u64 >= w / 2 * h - h, "{} level {}: only {} nodata pixels", method, l, nodata);
        }
    }
    // --nodata with more digits than a float holds: the same rule.
    let out = dir.join("option.tif");
    create(&input, &out, &["--nodata", "-3.4e38", "--resampling", "cubic", "--blocksize", "128"]);
    for (_, _, v) in levels_f32(&out).iter().skip(1) {
        assert!(v.iter().all(|&x| x == nd || (x.is_finite() && (-1000.0..=2200.0).contains(&x))));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Int16 with nodata 1.5: GDAL compares in the band's type (C's cast), so
/// the 1s are nodata: the first overview averages only 0s and 2s.
#[test]
fn fractional_nodata_on_integers_masks_the_truncated_value() {
    let dir = tmp("i16nd");
    let out = dir.join("avg.tif");
    create(&testdata("rw_i16_nodata_fraction.tif"), &out, &["--resampling", "average", "--blocksize", "128"]);
    assert_eq!(text_tag(&out, tags::GDAL_NODATA).as_deref(), Some("1.5"));
    let levels = levels_i16(&out);
    // Columns repeat 0 1 2; overview pixel x covers columns 2x and 2x+1:
    // {0,1} -> 0; {2,0} -> 1, which is nodata, nudged to 2; {1,2} -> 2.
    assert_eq!(&levels[1][..6], &[0, 2, 2, 0, 2, 2]);
    std::fs::remove_dir_all(&dir).unwrap();
}

fn color_map(path: &Path) -> Vec<u64> {
    let t = open(path);
    let e = t.ifds[0].entry(tags::COLOR_MAP).expect("a ColorMap");
    t.entry_value(e).unwrap().as_u64s()
}

/// A palette stored as MINISBLACK or MINISWHITE with a ColorMap keeps the
/// file's own ColorMap (GDAL reads it as the colour table) as a palette
/// image, with NEAREST overviews, and byte-identical to GDAL's COG.
#[test]
fn palette_under_gray_photometric_is_kept() {
    let dir = tmp("palette");
    for p in ["minisblack", "miniswhite"] {
        let input = testdata(&format!("rw_palette_{}.tif", p));
        let out = dir.join(format!("{}.tif", p));
        create(&input, &out, &["--compress", "deflate", "--blocksize", "128"]);
        let t = open(&out);
        assert_eq!(t.ifds[0].u64_of(tags::PHOTOMETRIC), Some(3), "{}", p);
        assert_eq!(color_map(&out), color_map(&input), "{}: the file's own ColorMap", p);
        let imgs = Image::all(&t).unwrap();
        let overviews: Vec<&Image> = imgs.iter().filter(|i| i.kind == Kind::Overview).collect();
        assert!(!overviews.is_empty());
        for o in overviews {
            let e = t.ifds[imgs.iter().position(|i| std::ptr::eq(i, o)).unwrap()].entry(tags::COLOR_MAP);
            assert!(e.is_some(), "{}: overviews carry the ColorMap too", p);
        }
        // Nearest keeps the class values: no index outside the input's 0..=10.
        let px =
            RasterReader::new(&t, &imgs[imgs.len() - 1]).unwrap().read_rows(0, imgs[imgs.len() - 1].height).unwrap();
        assert!(px.iter().all(|&v| v <= 10), "{}: overview indices stay classes", p);
        if common::oracles(common::GDAL_PYTHON, "byte parity with GDAL's COG") {
            let g = dir.join(format!("{}_gdal.tif", p));
            gdal_cog(&input, &g, &["COMPRESS=DEFLATE", "BLOCKSIZE=128"]);
            assert!(same_bytes(&out, &g), "{}: differs from GDAL's COG", p);
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// JPEG (or WebP) would blend palette indices into other classes: refused,
/// with nothing written.
#[test]
fn lossy_codec_on_a_palette_is_refused() {
    let dir = tmp("palette-jpeg");
    let out = dir.join("out.tif");
    for codec in ["jpeg", "webp"] {
        let o = cogtool([
            "create",
            testdata("rw_palette_minisblack.tif").to_str().unwrap(),
            out.to_str().unwrap(),
            "--compress",
            codec,
        ]);
        assert_eq!(o.status.code(), Some(2), "{}", codec);
        let e = stderr(&o);
        assert!(e.contains("not supported with a paletted image"), "{}: {}", codec, e);
        assert_eq!(e.lines().count(), 1, "{}", e);
        assert!(!out.exists());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// AVERAGE, RMS and GAUSS on a palette work on the entries' colours and
/// pick the nearest entry (GDAL's rule), never a mean of class indices
/// (the mean of "water" and "forest" is not "urban"). Checked as an
/// invariant (each AVERAGE overview pixel is an entry nearest to its 2x2
/// footprint's mean colour) and, where GDAL is installed, byte for byte.
#[test]
fn palette_overviews_average_colours_not_indices() {
    let dir = tmp("palette-average");
    let input = testdata("rw_palette_minisblack.tif");
    for method in ["average", "rms", "gauss"] {
        let out = dir.join(format!("{}.tif", method));
        create(&input, &out, &["--resampling", method, "--compress", "deflate", "--blocksize", "128"]);
        let t = open(&out);
        let cm = color_map(&out);
        let n = cm.len() / 3;
        let rgb = |i: usize| [cm[i] / 257, cm[n + i] / 257, cm[2 * n + i] / 257].map(|c| c as i64);
        let imgs = Image::all(&t).unwrap();
        let read = |i: &Image| RasterReader::new(&t, i).unwrap().read_rows(0, i.height).unwrap();
        let (full, ovr) = (&imgs[0], imgs.iter().find(|i| i.kind == Kind::Overview).expect("an overview"));
        assert_eq!((ovr.width * 2, ovr.height * 2), (full.width, full.height));
        let (src, dst) = (read(full), read(ovr));
        let w = full.width as usize;
        let mut mixed = 0;
        for (k, &o) in dst.iter().enumerate() {
            assert!((o as usize) < n, "{}: index {} outside the palette", method, o);
            if method != "average" {
                continue;
            }
            let (x, y) = (k % ovr.width as usize, k / ovr.width as usize);
            let fp = [
                src[2 * y * w + 2 * x],
                src[2 * y * w + 2 * x + 1],
                src[(2 * y + 1) * w + 2 * x],
                src[(2 * y + 1) * w + 2 * x + 1],
            ];
            mixed += usize::from(fp.iter().any(|&v| v != fp[0]));
            let mean = [0, 1, 2].map(|c| (fp.iter().map(|&v| rgb(v as usize)[c]).sum::<i64>() + 2) / 4);
            let dist = |i: usize| (0..3).map(|c| (rgb(i)[c] - mean[c]).pow(2)).sum::<i64>();
            let best = (0..n).map(dist).min().unwrap();
            assert_eq!(
                dist(o as usize),
                best,
                "{}: pixel ({}, {}) index {} is not the entry nearest to {:?}",
                method,
                x,
                y,
                o,
                mean
            );
        }
        if method == "average" {
            assert!(mixed > 100, "the fixture must mix classes in footprints ({} do)", mixed);
        }
        if common::oracles(common::GDAL_PYTHON, "byte parity with GDAL's COG") {
            let g = dir.join(format!("{}_gdal.tif", method));
            let rs = format!("RESAMPLING={}", method.to_uppercase());
            gdal_cog(&input, &g, &["COMPRESS=DEFLATE", "BLOCKSIZE=128", &rs]);
            assert!(same_bytes(&out, &g), "{}: differs from GDAL's COG", method);
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Complex samples follow GDAL's complex rules: under NEAREST every
/// overview is picked from full resolution (not from the level before),
/// under AVERAGE footprints are rounded to whole pixels. Checked on the
/// rw_cint16_odd fixture against the rule itself and, where GDAL is
/// installed, against `gdal_translate -of COG` level by level.
#[test]
fn complex_overviews_follow_gdals_complex_rules() {
    let dir = tmp("complex");
    let input = testdata("rw_cint16_odd.tif");
    let out = dir.join("near.tif");
    create(&input, &out, &["--resampling", "nearest", "--blocksize", "128", "--compress", "deflate"]);
    let t = open(&out);
    let imgs: Vec<Image> =
        Image::all(&t).unwrap().into_iter().filter(|i| matches!(i.kind, Kind::Image | Kind::Overview)).collect();
    assert!(imgs.len() >= 3, "the fixture needs two overviews at 128-pixel blocks, has {}", imgs.len() - 1);
    let read = |i: &Image| RasterReader::new(&t, i).unwrap().read_rows(0, i.height).unwrap();
    let full = read(&imgs[0]);
    let (fw, fh) = (imgs[0].width as usize, imgs[0].height as usize);
    for o in &imgs[1..] {
        let px = read(o);
        let (w, h) = (o.width as usize, o.height as usize);
        let (rx, ry) = (fw as f64 / w as f64, fh as f64 / h as f64);
        for y in 0..h {
            let sy = ((0.5 + y as f64 * ry) as usize).min(fh - 1);
            for x in 0..w {
                let sx = ((0.5 + x as f64 * rx) as usize).min(fw - 1);
                // 4 bytes per CInt16 pixel.
                assert_eq!(
                    px[(y * w + x) * 4..][..4],
                    full[(sy * fw + sx) * 4..][..4],
                    "{}x{} pixel ({}, {})",
                    w,
                    h,
                    x,
                    y
                );
            }
        }
    }
    if common::oracles(common::GDAL_PYTHON, "byte parity with GDAL's COG") {
        for (m, name) in [("nearest", "near.tif"), ("average", "avg.tif")] {
            let ours = dir.join(name);
            if m == "average" {
                create(&input, &ours, &["--resampling", m, "--blocksize", "128", "--compress", "deflate"]);
            }
            let g = dir.join(format!("gdal_{}", name));
            let rs = format!("RESAMPLING={}", m.to_uppercase());
            gdal_cog(&input, &g, &["COMPRESS=DEFLATE", "BLOCKSIZE=128", &rs]);
            let (a, b) = (open(&ours), open(&g));
            let (ia, ib) = (Image::all(&a).unwrap(), Image::all(&b).unwrap());
            assert_eq!(ia.len(), ib.len(), "{}: level count", m);
            for (x, y) in ia.iter().zip(&ib) {
                let pa = RasterReader::new(&a, x).unwrap().read_rows(0, x.height).unwrap();
                let pb = RasterReader::new(&b, y).unwrap().read_rows(0, y.height).unwrap();
                assert!(pa == pb, "{}: a {}x{} level differs from GDAL's", m, x.width, x.height);
            }
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Complex integers take the horizontal predictor as GDAL writes it
/// (libtiff differences each whole complex value as one word): the COG
/// reads back to the input and, where GDAL is installed, is byte-identical
/// to `gdal_translate -of COG -co PREDICTOR=2`. The floating-point
/// predictor is refused on complex samples, as GDAL refuses it.
#[test]
fn complex_integers_take_the_horizontal_predictor() {
    let dir = tmp("complex-predictor");
    let input = testdata("rw_cint16_odd.tif");
    let out = dir.join("pred.tif");
    create(&input, &out, &["--compress", "deflate", "--predictor", "horizontal"]);
    let (a, b) = (open(&out), open(&input));
    assert_eq!(a.ifds[0].u64_of(tags::PREDICTOR), Some(2));
    let (ia, ib) = (Image::all(&a).unwrap(), Image::all(&b).unwrap());
    let pa = RasterReader::new(&a, &ia[0]).unwrap().read_rows(0, ia[0].height).unwrap();
    let pb = RasterReader::new(&b, &ib[0]).unwrap().read_rows(0, ib[0].height).unwrap();
    assert!(pa == pb, "full resolution reads back to the input");
    let o = cogtool([
        "create",
        input.to_str().unwrap(),
        dir.join("fp.tif").to_str().unwrap(),
        "--compress",
        "deflate",
        "--predictor",
        "float",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("floating-point predictor"), "{}", stderr(&o));
    if common::oracles(common::GDAL_PYTHON, "byte parity with GDAL's COG") {
        let g = dir.join("gdal.tif");
        gdal_cog(&input, &g, &["COMPRESS=DEFLATE", "PREDICTOR=2"]);
        assert!(same_bytes(&out, &g), "differs from GDAL's COG");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
