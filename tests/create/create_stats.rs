//! Band statistics (`--statistics`, GDAL's STATISTICS): the items written
//! against statistics recomputed here from the written full resolution
//! (valid pixels only: nodata, NaN, mask, zero alpha left out), the AUTO
//! rules (kept, dropped, recomputed), and against the COG driver of a GDAL
//! that has the option (rasterio's wheel) when present.

use crate::common::{self, Oracle, cogtool, stderr, testdata};
use crate::create_support::write_tiff;
use cogtool::raster::RasterReader;
use cogtool::tiff::gdal_metadata::{self, Item};
use cogtool::tiff::write::OutTag;
use cogtool::tiff::{Image, Kind, SampleFormat, Tiff, tags};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cogtool-stats-{}-{}", name, std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn create(input: &Path, out: &Path, args: &[&str]) -> String {
    let mut a: Vec<String> = vec!["create".into(), input.display().to_string(), out.display().to_string()];
    a.extend(args.iter().map(|s| s.to_string()));
    a.extend(["-v".into(), "--overwrite".into()]);
    let o = cogtool(&a);
    assert_eq!(o.status.code(), Some(0), "create {} {:?}: {}", input.display(), args, stderr(&o));
    stderr(&o)
}

fn open(path: &Path) -> (Tiff, Vec<Image>) {
    let r = cogtool::source::open(&path.to_string_lossy(), &Default::default()).unwrap();
    let t = Tiff::open(Arc::new(r)).unwrap();
    let imgs = Image::all(&t).unwrap();
    (t, imgs)
}

/// STATISTICS_* items of the file, per band: (band, name, value).
fn items(path: &Path) -> Vec<(u32, String, String)> {
    let (t, _) = open(path);
    let xml = t.ifds[0].str_of(tags::GDAL_METADATA).unwrap_or_default();
    gdal_metadata::parse(xml)
        .into_iter()
        .filter(|i: &Item| i.name.starts_with("STATISTICS_"))
        .map(|i| (i.sample.unwrap_or(u32::MAX), i.name, i.value))
        .collect()
}

/// Statistics of every band of the written full resolution, over the
/// pixels GDAL counts: (min, max, mean, stddev, valid percent).
type Stats = (f64, f64, f64, f64, f64);
fn recomputed(path: &Path) -> Vec<Option<Stats>> {
    let (t, imgs) = open(path);
    let img = &imgs[0];
    let px = RasterReader::new(&t, img).unwrap().read_rows(0, img.height).unwrap();
    let mask = imgs
        .iter()
        .find(|m| m.kind == Kind::Mask)
        .map(|m| RasterReader::new(&t, m).unwrap().read_rows(0, m.height).unwrap());
    let nodata = t.ifds[0].str_of(tags::GDAL_NODATA).and_then(gdal_metadata::parse_nodata);
    let (bands, bytes) = (img.samples as usize, img.bits_per_sample[0].div_ceil(8) as usize);
    let bytes = if bytes == 3 || img.bits_per_sample[0] == 12 { 2 } else { bytes };
    let value = |b: &[u8]| -> f64 {
        match (img.sample_format, b.len()) {
            (SampleFormat::Float, 4) => f32::from_le_bytes(b.try_into().unwrap()) as f64,
            (SampleFormat::Float, 8) => f64::from_le_bytes(b.try_into().unwrap()),
            (SampleFormat::Int, 2) => i16::from_le_bytes(b.try_into().unwrap()) as f64,
            (_, 1) => b[0] as f64,
            (_, 2) => u16::from_le_bytes(b.try_into().unwrap()) as f64,
            (_, 4) => u32::from_le_bytes(b.try_into().unwrap()) as f64,
            other => panic!("{:?}", other),
        }
    };
    let pixels = (img.width * img.height) as usize;
    (0..bands)
        .map(|band| {
            let v: Vec<f64> = (0..pixels)
                .filter(|&p| nodata.is_some() || mask.as_ref().is_none_or(|m| m[p] != 0))
                .map(|p| value(&px[(p * bands + band) * bytes..(p * bands + band + 1) * bytes]))
                .filter(|x| !x.is_nan() && nodata != Some(*x))
                .collect();
            if v.is_empty() {
                return None;
            }
            let n = v.len() as f64;
            let mean = v.iter().sum::<f64>() / n;
            let std = (v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n).sqrt();
            let (min, max) = v.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |a, &x| (a.0.min(x), a.1.max(x)));
            Some((min, max, mean, std, 100.0 * n / pixels as f64))
        })
        .collect()
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()).max(1.0)
}

/// The written items equal the statistics recomputed from the file.
fn check_written(path: &Path, what: &str) {
    let got = items(path);
    for (band, want) in recomputed(path).into_iter().enumerate() {
        let get = |name: &str| {
            got.iter()
                .find(|(b, n, _)| *b == band as u32 && n == name)
                .map(|(_, _, v)| v.parse::<f64>().unwrap())
                .unwrap_or_else(|| panic!("{}: band {} has no {}: {:?}", what, band, name, got))
        };
        let Some((min, max, mean, std, pct)) = want else {
            assert_eq!(get("STATISTICS_VALID_PERCENT"), 0.0, "{}", what);
            continue;
        };
        assert_eq!(get("STATISTICS_MINIMUM"), min, "{} band {}", what, band);
        assert_eq!(get("STATISTICS_MAXIMUM"), max, "{} band {}", what, band);
        assert!(
            close(get("STATISTICS_MEAN"), mean, 1e-12),
            "{} band {}: mean {} vs {}",
            what,
            band,
            get("STATISTICS_MEAN"),
            mean
        );
        assert!(
            close(get("STATISTICS_STDDEV"), std, 1e-9),
            "{} band {}: stddev {} vs {}",
            what,
            band,
            get("STATISTICS_STDDEV"),
            std
        );
        assert!(
            (get("STATISTICS_VALID_PERCENT") - pct).abs() < 0.01,
            "{} band {}: valid {} vs {}",
            what,
            band,
            get("STATISTICS_VALID_PERCENT"),
            pct
        );
    }
}

#[test]
fn computed_statistics_are_those_of_the_written_pixels() {
    let dir = tmp("written");
    let out = dir.join("out.tif");
    for (input, args) in [
        ("cog_rgb_deflate.tif", vec![]),
        ("cog_float32_nodata.tif", vec![]),
        ("ovr_internal_mask.tif", vec![]),
        ("codec_u32_deflate.tif", vec![]),
        ("codec_nbits12.tif", vec![]),
        ("cog_rgb_deflate.tif", vec!["--nodata", "0"]),
        ("cog_float32_nodata.tif", vec!["--interleave", "band", "--compress", "zstd"]),
    ] {
        let log = create(&testdata(input), &out, &[&["--statistics", "yes"][..], &args].concat());
        assert!(!log.contains("error"), "{}", log);
        check_written(&out, &format!("{} {:?}", input, args));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn alpha_zero_pixels_are_left_out_of_the_colour_bands() {
    let dir = tmp("alpha");
    let (input, out) = (dir.join("rgba.tif"), dir.join("out.tif"));
    let (w, h) = (40usize, 30usize);
    let mut data = Vec::with_capacity(w * h * 4);
    for p in 0..w * h {
        let transparent = p % 3 == 0;
        data.extend_from_slice(&[
            (p % 200) as u8,
            7,
            if transparent { 255 } else { 9 },
            if transparent { 0 } else { 255 },
        ]);
    }
    write_tiff(&input, w, h, 4, 1, 1, &data, vec![OutTag::shorts(338, &[2])]);
    create(&input, &out, &["--statistics", "yes"]);
    let got = items(&out);
    let value = |b: u32, n: &str| got.iter().find(|(s, k, _)| *s == b && k == n).map(|(_, _, v)| v.clone()).unwrap();
    // Band 3 (blue) is 9 wherever alpha is not 0; alpha itself counts every pixel.
    assert_eq!(value(2, "STATISTICS_MAXIMUM"), "9");
    assert_eq!(value(2, "STATISTICS_VALID_PERCENT"), "66.67");
    assert_eq!(value(3, "STATISTICS_MINIMUM"), "0");
    assert_eq!(value(3, "STATISTICS_VALID_PERCENT"), "100");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn auto_keeps_the_inputs_statistics_drops_them_with_no_and_recomputes_changed_pixels() {
    let dir = tmp("auto");
    let (with, kept, none, renodata, copied) =
        (dir.join("with.tif"), dir.join("kept.tif"), dir.join("none.tif"), dir.join("nd.tif"), dir.join("copied.tif"));
    create(&testdata("cog_rgb_deflate.tif"), &with, &["--statistics", "yes", "--compress", "deflate"]);
    let original = items(&with);
    assert_eq!(original.len(), 15, "{:?}", original);
    // AUTO (the default): the input's items, as they are.
    create(&with, &kept, &["--compress", "deflate"]);
    assert_eq!(items(&kept), original);
    assert!(std::fs::read(&kept).unwrap() == std::fs::read(&with).unwrap(), "a COG with statistics repacks to itself");
    create(&with, &none, &["--statistics", "no"]);
    assert!(items(&none).is_empty());
    // Another nodata value changes which pixels count: computed anew.
    create(&with, &renodata, &["--nodata", "0"]);
    assert_ne!(items(&renodata), original);
    check_written(&renodata, "--nodata 0");
    // Computing them needs the pixels, not the tiles: level 0 is still copied.
    let log = create(&with, &copied, &["--compress", "deflate", "--statistics", "yes"]);
    assert!(log.contains("level 0 (1100x900): tiles copied from the input"), "{}", log);
    assert_eq!(items(&copied), original);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn co_statistics_is_accepted_and_checked() {
    let dir = tmp("co");
    let out = dir.join("out.tif");
    create(&testdata("cog_rgb_deflate.tif"), &out, &["--co", "STATISTICS=YES"]);
    assert_eq!(items(&out).len(), 15);
    let o = cogtool([
        "create",
        &testdata("cog_rgb_deflate.tif").display().to_string(),
        &out.display().to_string(),
        "--co",
        "STATISTICS=MAYBE",
        "--overwrite",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("STATISTICS=MAYBE"), "{}", stderr(&o));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The COG driver of a GDAL with STATISTICS (3.8+, rasterio's wheel) on
/// the same inputs: the same items, values equal within float rounding.
/// Known difference: with an internal mask GDAL 3.10 reports the masked
/// mean but a standard deviation and valid percentage over all pixels, so
/// masked inputs are compared with the recomputation above only.
#[test]
fn same_items_as_gdal_cog_statistics_yes() {
    if !common::oracles(&[Oracle::Rasterio], "statistics against GDAL's COG STATISTICS=YES") {
        return;
    }
    let dir = tmp("gdal");
    let (ours, theirs) = (dir.join("ours.tif"), dir.join("gdal.tif"));
    let script = common::root().join("tests/create_support/cog_statistics.py");
    for input in [
        "cog_rgb_deflate.tif",
        "cog_float32_nodata.tif",
        "codec_u32_deflate.tif",
        "codec_nbits12.tif",
        "rw_cint16_odd.tif",
    ] {
        create(&testdata(input), &ours, &["--statistics", "yes"]);
        let o = std::process::Command::new(common::rasterio_python())
            .arg(&script)
            .arg(testdata(input))
            .arg(&theirs)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}: {}", input, String::from_utf8_lossy(&o.stderr));
        let (a, b) = (items(&ours), items(&theirs));
        assert_eq!(a.len(), b.len(), "{}: {:?} vs GDAL {:?}", input, a, b);
        for ((ba, na, va), (bb, nb, vb)) in a.iter().zip(&b) {
            assert_eq!((ba, na), (bb, nb), "{}", input);
            let (x, y) = (va.parse::<f64>().unwrap(), vb.parse::<f64>().unwrap());
            let tol = if na.ends_with("VALID_PERCENT") { 0.01 } else { 1e-12 };
            assert!(close(x, y, tol), "{} band {} {}: {} vs GDAL {}", input, ba, na, va, vb);
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
