//! `--web-optimized` and `--tms FILE` (built only with `--features gdal`),
//! checked against `gdal_translate -of COG -co TILING_SCHEME=...` (GDAL
//! 3.6.2) on the UTM fixtures of testdata/gen/tms.sh: same zoom level, size,
//! geotransform, tile structure (every IFD tag but tile offsets and byte
//! counts), TILING_SCHEME_* metadata, GDAL's validator, and pixels.
//!
//! Pixels: with nearest, GDAL's COG driver warps into a temporary GeoTIFF
//! and cogtool streams a warped VRT; both use GDAL's approximate transformer
//! (0.125 pixel error) over different windows, so a few pixels whose centre
//! lies that close to a source pixel edge take the neighbour (measured: 363
//! of 47,629 valid pixels on the RGB fixture at zoom 12). The alpha band
//! (footprint) is identical. The bounds asserted below are those figures
//! with a margin.
#![cfg(feature = "gdal")]

use crate::common;

use common::{Oracle, cogtool, stderr, testdata};
use gdal::Dataset;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cogtool-tms-{}-{}", name, std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn gdal_present() -> bool {
    common::oracles(&[Oracle::GdalTools, Oracle::GdalValidator], "tile matrix sets against gdal_translate")
}

fn gdal_cog(input: &Path, out: &Path, co: &[&str]) {
    let mut a: Vec<String> = vec!["-q".into(), "-of".into(), "COG".into()];
    for c in co {
        a.push("-co".into());
        a.push(c.to_string());
    }
    let o = Command::new("gdal_translate").args(&a).arg(input).arg(out).output().unwrap();
    assert!(o.status.success(), "gdal_translate {:?}: {}", co, String::from_utf8_lossy(&o.stderr));
}

fn ours(input: &Path, out: &Path, extra: &[&str]) {
    let mut a = vec!["create", input.to_str().unwrap(), out.to_str().unwrap(), "--overwrite"];
    a.extend_from_slice(extra);
    let o = cogtool(&a);
    assert!(o.status.success(), "{:?}: {}", extra, stderr(&o));
}

fn gdalinfo(p: &Path) -> Value {
    let o = Command::new("gdalinfo").args(["-json", "-mdd", "all"]).arg(p).output().unwrap();
    assert!(o.status.success());
    serde_json::from_slice(&o.stdout).unwrap()
}

fn validate(p: &Path) {
    let o = Command::new(common::PY)
        .args(["-m", "osgeo_utils.samples.validate_cloud_optimized_geotiff", "--full-check=yes"])
        .arg(p)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success() && out.contains("is a valid cloud optimized GeoTIFF"), "{}: {}", p.display(), out);
}

/// Geometry and metadata as GDAL reads them.
fn essence(v: &Value) -> Value {
    let bands: Vec<Value> = v["bands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            serde_json::json!([
                b["block"],
                b["type"],
                b["noDataValue"],
                b["colorInterpretation"],
                b["overviews"].as_array().map(|o| o.iter().map(|x| x["size"].clone()).collect::<Vec<_>>()),
                b["mask"]["flags"],
            ])
        })
        .collect();
    serde_json::json!({
        "size": v["size"],
        "geoTransform": v["geoTransform"],
        "wkt": v["coordinateSystem"]["wkt"],
        "tiling": v["metadata"]["TILING_SCHEME"],
        "structure": v["metadata"]["IMAGE_STRUCTURE"],
        "bands": bands,
    })
}

/// Every IFD tag as `cogtool info` prints it, except where tile data lands.
fn tags(p: &Path) -> Vec<String> {
    let o = cogtool(["info", p.to_str().unwrap()]);
    assert!(o.status.success());
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .skip(2)
        .filter(|l| !l.contains("TileOffsets") && !l.contains("TileByteCounts") && !l.starts_with("IFD "))
        .map(String::from)
        .collect()
}

/// All bands of a file, as f64.
fn pixels(p: &Path) -> (usize, usize, Vec<Vec<f64>>) {
    let ds = Dataset::open(p).unwrap();
    let (w, h) = ds.raster_size();
    let bands = (1..=ds.raster_count())
        .map(|b| ds.rasterband(b).unwrap().read_as::<f64>((0, 0), (w, h), (w, h), None).unwrap().data().to_vec())
        .collect();
    (w, h, bands)
}

/// Pixels where any band differs, and pixels valid (not nodata, alpha > 0) in GDAL's.
fn differing(a: &Path, b: &Path, nodata: Option<f64>) -> (usize, usize) {
    let (wa, ha, pa) = pixels(a);
    let (wb, hb, pb) = pixels(b);
    assert_eq!((wa, ha, pa.len()), (wb, hb, pb.len()));
    let n = wa * ha;
    let diff = (0..n).filter(|&i| pa.iter().zip(&pb).any(|(x, y)| x[i] != y[i])).count();
    let valid = match nodata {
        Some(nd) => (0..n).filter(|&i| pa[0][i] != nd).count(),
        None => (0..n).filter(|&i| pa.last().unwrap()[i] > 0.0).count(),
    };
    (diff, valid)
}

#[test]
fn web_optimized_matches_gdal_translate() {
    if !gdal_present() {
        return;
    }
    let dir = tmp("web");
    let input = testdata("tms_utm_rgb.tif");
    // Auto zoom (12 here: 20 m UTM is 32.5 m in Web Mercator at 52 N), and a given zoom.
    for (co, extra, zoom) in [
        (vec![], vec![], "12"),
        (vec!["ZOOM_LEVEL=10"], vec!["--zoom-level", "10"], "10"),
        (vec!["ZOOM_LEVEL_STRATEGY=UPPER"], vec!["--zoom-level-strategy", "upper"], "13"),
    ] {
        let (g, c) = (dir.join(format!("gdal{}.tif", zoom)), dir.join(format!("ours{}.tif", zoom)));
        let mut gco = vec!["TILING_SCHEME=GoogleMapsCompatible", "RESAMPLING=NEAREST", "WARP_RESAMPLING=NEAREST"];
        gco.extend_from_slice(&co);
        gdal_cog(&input, &g, &gco);
        let mut e = vec!["--web-optimized", "--resampling", "nearest"];
        e.extend_from_slice(&extra);
        ours(&input, &c, &e);
        let (gi, ci) = (gdalinfo(&g), gdalinfo(&c));
        assert_eq!(essence(&ci), essence(&gi), "zoom {}", zoom);
        assert_eq!(ci["metadata"]["TILING_SCHEME"]["ZOOM_LEVEL"], zoom);
        assert_eq!(ci["metadata"]["TILING_SCHEME"]["NAME"], "GoogleMapsCompatible");
        // Tile grid: the origin is a tile corner of the zoom level.
        let gt = ci["geoTransform"].as_array().unwrap();
        let te = gt[1].as_f64().unwrap() * 256.0;
        let half = 6378137.0 * std::f64::consts::PI;
        for (v, o) in [(gt[0].as_f64().unwrap() + half, 0), (half - gt[3].as_f64().unwrap(), 1)] {
            let k = v / te;
            assert!((k - k.round()).abs() < 1e-6, "axis {} not on a tile edge: {}", o, k);
        }
        assert_eq!(tags(&c), tags(&g), "zoom {}", zoom);
        validate(&c);
        // No nodata in the input: an alpha band marks the padding, never opaque black.
        assert_eq!(ci["bands"][3]["colorInterpretation"], "Alpha");
        let (_, _, px) = pixels(&c);
        let transparent = px[3].iter().filter(|&&a| a == 0.0).count();
        assert!(transparent > 0, "zoom {}: no padding?", zoom);
        let (diff, valid) = differing(&g, &c, None);
        eprintln!("zoom {}: {} of {} valid pixels differ from GDAL's", zoom, diff, valid);
        assert!(valid > 1000);
        assert!(diff * 100 <= valid * 2, "zoom {}: {} of {} pixels differ", zoom, diff, valid);
        // The footprint (alpha) is GDAL's but for edge pixels the
        // approximate transformer places differently.
        let (_, _, gp) = pixels(&g);
        let alpha_diff = gp[3].iter().zip(&px[3]).filter(|(a, b)| a != b).count();
        eprintln!("zoom {}: {} alpha pixels differ", zoom, alpha_diff);
        assert!(alpha_diff * 200 <= valid, "zoom {}: {} alpha pixels differ", zoom, alpha_diff);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn nodata_input_is_padded_with_nodata_and_aligned_levels() {
    if !gdal_present() {
        return;
    }
    let dir = tmp("nodata");
    let input = testdata("tms_utm_nodata.tif");
    let (g, c) = (dir.join("gdal.tif"), dir.join("ours.tif"));
    gdal_cog(
        &input,
        &g,
        &[
            "TILING_SCHEME=GoogleMapsCompatible",
            "RESAMPLING=NEAREST",
            "WARP_RESAMPLING=NEAREST",
            "ALIGNED_LEVELS=2",
            "ZOOM_LEVEL_STRATEGY=LOWER",
        ],
    );
    ours(
        &input,
        &c,
        &["--web-optimized", "--resampling", "nearest", "--aligned-levels", "2", "--zoom-level-strategy", "lower"],
    );
    let (gi, ci) = (gdalinfo(&g), gdalinfo(&c));
    assert_eq!(essence(&ci), essence(&gi));
    assert_eq!(ci["metadata"]["TILING_SCHEME"]["ALIGNED_LEVELS"], "2");
    assert_eq!(ci["bands"].as_array().unwrap().len(), 1, "nodata input: no alpha band added");
    assert_eq!(ci["bands"][0]["noDataValue"], -9999.0);
    assert_eq!(tags(&c), tags(&g));
    validate(&c);
    let (_, _, px) = pixels(&c);
    // Top-left corner is outside the footprint: nodata, not zero.
    assert_eq!(px[0][0], -9999.0);
    assert!(!px[0].contains(&0.0), "zero padding found");
    let (diff, valid) = differing(&g, &c, Some(-9999.0));
    eprintln!("nodata fixture: {} of {} valid pixels differ from GDAL's", diff, valid);
    assert!(diff * 100 <= valid * 4, "{} of {} pixels differ", diff, valid);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A UTM 33N matrix with 128-pixel tiles and 64/32/16/8 m levels, in the
/// 1.0 form GDAL 3.6 reads and the 2.0 form.
fn custom_tms(dir: &Path) -> (PathBuf, PathBuf) {
    let levels = |v2: bool| -> Vec<Value> {
        [64.0f64, 32.0, 16.0, 8.0]
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let n = 40u64 << i;
                if v2 {
                    serde_json::json!({"id": i.to_string(), "scaleDenominator": r / 0.28e-3, "cellSize": r,
                        "pointOfOrigin": [400000.0, 5800000.0], "cornerOfOrigin": "topLeft",
                        "tileWidth": 128, "tileHeight": 128, "matrixWidth": n, "matrixHeight": n})
                } else {
                    serde_json::json!({"type": "TileMatrixType", "identifier": i.to_string(),
                        "scaleDenominator": r / 0.28e-3, "topLeftCorner": [400000.0, 5800000.0],
                        "tileWidth": 128, "tileHeight": 128, "matrixWidth": n, "matrixHeight": n})
                }
            })
            .collect()
    };
    let crs = "http://www.opengis.net/def/crs/EPSG/0/32633";
    let v1 = serde_json::json!({"type": "TileMatrixSetType", "identifier": "UTM33Test", "supportedCRS": crs,
        "tileMatrix": levels(false)});
    let v2 = serde_json::json!({"id": "UTM33Test", "crs": crs, "tileMatrices": levels(true)});
    let (p1, p2) = (dir.join("utm33_v1.json"), dir.join("utm33_v2.json"));
    std::fs::write(&p1, serde_json::to_string_pretty(&v1).unwrap()).unwrap();
    std::fs::write(&p2, serde_json::to_string_pretty(&v2).unwrap()).unwrap();
    (p1, p2)
}

#[test]
fn custom_tms_json_and_zoom_strategies_match_gdal() {
    if !gdal_present() {
        return;
    }
    let dir = tmp("custom");
    let (v1, v2) = custom_tms(&dir);
    let input = testdata("tms_utm_rgb.tif");
    // 20 m lies between the 32 m (zoom 1) and 16 m (zoom 2) levels.
    for (strategy, zoom, size) in [("auto", "2", [512, 384]), ("lower", "1", [384, 256]), ("upper", "2", [512, 384])] {
        let g = dir.join(format!("gdal_{}.tif", strategy));
        let (c1, c2) = (dir.join(format!("v1_{}.tif", strategy)), dir.join(format!("v2_{}.tif", strategy)));
        let tiling = format!("TILING_SCHEME={}", v1.display());
        let zls = format!("ZOOM_LEVEL_STRATEGY={}", strategy.to_uppercase());
        gdal_cog(&input, &g, &[&tiling, &zls, "RESAMPLING=NEAREST", "WARP_RESAMPLING=NEAREST"]);
        let common = ["--resampling", "nearest", "--zoom-level-strategy", strategy];
        let mut a = vec!["--tms", v1.to_str().unwrap()];
        a.extend_from_slice(&common);
        ours(&input, &c1, &a);
        let mut a = vec!["--tms", v2.to_str().unwrap()];
        a.extend_from_slice(&common);
        ours(&input, &c2, &a);
        // The two JSON forms describe the same matrix: byte-identical output.
        assert_eq!(std::fs::read(&c1).unwrap(), std::fs::read(&c2).unwrap(), "{}", strategy);
        let (gi, ci) = (gdalinfo(&g), gdalinfo(&c1));
        let (mut ge, ce) = (essence(&gi), essence(&ci));
        // GDAL names the scheme by the option's text (here a path); cogtool
        // by the set's identifier.
        assert_eq!(ge["tiling"]["NAME"], v1.to_str().unwrap());
        assert_eq!(ce["tiling"]["NAME"], "UTM33Test");
        ge["tiling"]["NAME"] = "UTM33Test".into();
        assert_eq!(ce, ge, "{}", strategy);
        assert_eq!(ci["metadata"]["TILING_SCHEME"]["ZOOM_LEVEL"], zoom, "{}", strategy);
        assert_eq!(ci["size"], serde_json::json!(size), "{}", strategy);
        assert_eq!(ci["bands"][0]["block"], serde_json::json!([128, 128]));
        validate(&c1);
        let (diff, valid) = differing(&g, &c1, None);
        eprintln!("custom TMS {}: {} of {} valid pixels differ from GDAL's", strategy, diff, valid);
        assert!(diff * 100 <= valid * 2, "{}: {} of {}", strategy, diff, valid);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn hostile_tms_files_give_one_line_errors() {
    let dir = tmp("hostile");
    let input = testdata("tms_utm_rgb.tif");
    let out = dir.join("out.tif");
    let square = |tw: u32, th: u32, crs: &str| {
        format!(
            r#"{{"crs":"{}","tileMatrices":[{{"scaleDenominator":1000,"pointOfOrigin":[0,0],"tileWidth":{},"tileHeight":{},"matrixWidth":4,"matrixHeight":4}}]}}"#,
            crs, tw, th
        )
    };
    let big = format!("{{\"pad\":\"{}\"}}", "x".repeat(2 << 20));
    let cases: Vec<(&str, String, &str)> = vec![
        ("empty.json", String::new(), "not valid JSON"),
        ("array.json", "[1,2,3]".into(), "not an object"),
        ("other.json", r#"{"type":"Feature"}"#.into(), "neither TMS 2.0"),
        ("rect.json", square(256, 128, "EPSG:3857"), "square"),
        ("odd.json", square(100, 100, "EPSG:3857"), "multiple of 16"),
        ("net.json", square(256, 256, "https://example.invalid/crs.json"), "is not an AUTH:CODE"),
        ("unknown.json", square(256, 256, "EPSG:999999"), "does not know"),
        ("big.json", big, "more than 1048576"),
    ];
    for (name, text, want) in &cases {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        let o = cogtool(["create", input.to_str().unwrap(), out.to_str().unwrap(), "--tms", p.to_str().unwrap()]);
        let e = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{}: {}", name, e);
        assert!(e.contains(want), "{}: {}", name, e);
        assert_eq!(e.trim_end().lines().count(), 1, "{}: {}", name, e);
        assert!(!out.exists(), "{} wrote an output", name);
    }
    let missing = dir.join("missing.json");
    let o = cogtool(["create", input.to_str().unwrap(), out.to_str().unwrap(), "--tms", missing.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("missing.json"), "{}", stderr(&o));
    // Tiling options without a tile matrix set.
    let o = cogtool(["create", input.to_str().unwrap(), out.to_str().unwrap(), "--zoom-level", "3"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("needs --web-optimized or --tms"), "{}", stderr(&o));
    // A zoom level the set does not have.
    let o =
        cogtool(["create", input.to_str().unwrap(), out.to_str().unwrap(), "--web-optimized", "--zoom-level", "31"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("levels 0 to 30"), "{}", stderr(&o));
    assert!(!out.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn latitude_first_crs_tms_matches_gdal() {
    if !gdal_present() {
        return;
    }
    // EPSG:4326 is latitude first: the 1.0 JSON's corner [90, -180] is (lat, lon).
    let dir = tmp("latfirst");
    let levels: Vec<Value> = (0..20)
        .map(|i| {
            let r = 180.0 / 256.0 / (1u64 << i) as f64;
            serde_json::json!({"type": "TileMatrixType", "identifier": i.to_string(),
                "scaleDenominator": r * (6378137.0 * std::f64::consts::PI / 180.0) / 0.28e-3,
                "topLeftCorner": [90, -180], "tileWidth": 256, "tileHeight": 256,
                "matrixWidth": 2u64 << i, "matrixHeight": 1u64 << i})
        })
        .collect();
    let tms = dir.join("geo.json");
    let v = serde_json::json!({"type": "TileMatrixSetType", "identifier": "Geo4326",
        "supportedCRS": "http://www.opengis.net/def/crs/EPSG/0/4326", "tileMatrix": levels});
    std::fs::write(&tms, v.to_string()).unwrap();
    let input = testdata("tms_utm_nodata.tif");
    let (g, c) = (dir.join("gdal.tif"), dir.join("ours.tif"));
    let tiling = format!("TILING_SCHEME={}", tms.display());
    gdal_cog(&input, &g, &[&tiling, "RESAMPLING=NEAREST", "WARP_RESAMPLING=NEAREST"]);
    ours(&input, &c, &["--tms", tms.to_str().unwrap(), "--resampling", "nearest"]);
    let (gi, ci) = (gdalinfo(&g), gdalinfo(&c));
    let (mut ge, ce) = (essence(&gi), essence(&ci));
    ge["tiling"]["NAME"] = "Geo4326".into();
    assert_eq!(ce, ge);
    // The origin is on a tile edge counted from (-180, 90).
    let gt = ci["geoTransform"].as_array().unwrap();
    let te = gt[1].as_f64().unwrap() * 256.0;
    for k in [(gt[0].as_f64().unwrap() + 180.0) / te, (90.0 - gt[3].as_f64().unwrap()) / te] {
        assert!((k - k.round()).abs() < 1e-6, "{}", k);
    }
    validate(&c);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn global_geographic_input_is_clipped_to_web_mercator_like_gdal() {
    if !gdal_present() {
        return;
    }
    // A whole-world EPSG:4326 raster (made at test time from a fixture's
    // pixels): GDAL clips it to +/-85.05 degrees before choosing the zoom
    // level (zoom 2 here; without the clip the suggestion gives zoom 0).
    let dir = tmp("global");
    let input = dir.join("global.tif");
    let o = Command::new("gdal_translate")
        .args(["-q", "-a_srs", "EPSG:4326", "-a_ullr", "-180", "90", "180", "-90", "-outsize", "1440", "720"])
        .arg(testdata("tms_utm_nodata.tif"))
        .arg(&input)
        .output()
        .unwrap();
    assert!(o.status.success());
    let (g, c) = (dir.join("gdal.tif"), dir.join("ours.tif"));
    gdal_cog(&input, &g, &["TILING_SCHEME=GoogleMapsCompatible", "RESAMPLING=NEAREST", "WARP_RESAMPLING=NEAREST"]);
    ours(&input, &c, &["--web-optimized", "--resampling", "nearest"]);
    let (gi, ci) = (gdalinfo(&g), gdalinfo(&c));
    assert_eq!(essence(&ci), essence(&gi));
    assert_eq!(ci["metadata"]["TILING_SCHEME"]["ZOOM_LEVEL"], "2");
    assert_eq!(tags(&c), tags(&g));
    validate(&c);
    let (diff, valid) = differing(&g, &c, Some(-9999.0));
    eprintln!("global input: {} of {} valid pixels differ from GDAL's", diff, valid);
    assert!(diff * 100 <= valid * 4, "{} of {}", diff, valid);
    std::fs::remove_dir_all(&dir).unwrap();
}
