//! `create` from non-TIFF inputs through GDAL (built only with `--features gdal`).
//! Inputs are made at test time with gdal_translate from committed fixtures:
//! a VRT (float32 with nodata and a band description), a PNG with a world
//! file and .aux.xml CRS, and a lossless JPEG 2000. Each output must pass
//! GDAL's validator and equal GDAL's reading of the input: per-band
//! checksums, size, geotransform, CRS, nodata, descriptions.
#![cfg(feature = "gdal")]

use crate::common;

use common::{Oracle, cogtool, stderr, testdata};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cogtool-gdalin-{}-{}", name, std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(cmd: &str, args: &[&str]) {
    let o = Command::new(cmd).args(args).output().unwrap();
    assert!(o.status.success(), "{} {:?}: {}", cmd, args, String::from_utf8_lossy(&o.stderr));
}

fn gdalinfo(p: &Path) -> Value {
    let o = Command::new("gdalinfo").args(["-json", "-checksum"]).arg(p).output().unwrap();
    assert!(o.status.success());
    serde_json::from_slice(&o.stdout).unwrap()
}

fn validate(p: &Path) {
    let o = Command::new(common::PY)
        .args(["-m", "osgeo_utils.samples.validate_cloud_optimized_geotiff"])
        .arg(p)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success() && out.contains("is a valid cloud optimized GeoTIFF"), "{}: {}", p.display(), out);
}

/// The CRS's own EPSG code: the last ID["EPSG",N] of the WKT.
fn epsg(wkt: &str) -> Option<u64> {
    let at = wkt.rfind("ID[\"EPSG\",")?;
    wkt[at + 10..].split(']').next()?.parse().ok()
}

/// What must survive the conversion, as GDAL reads it.
fn essence(v: &Value) -> Value {
    let bands: Vec<Value> = v["bands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            serde_json::json!([b["checksum"], b["type"], b["noDataValue"], b["description"], b["colorInterpretation"]])
        })
        .collect();
    serde_json::json!({
        "size": v["size"],
        "geoTransform": v["geoTransform"],
        // GeoTIFF stores the CRS as GeoKeys (an EPSG code here), so the
        // WKT GDAL prints differs in form; the code must survive.
        "crs": epsg(v["coordinateSystem"]["wkt"].as_str().unwrap_or("")),
        "bands": bands,
    })
}

fn convert_and_compare(input: &Path, dir: &Path, extra: &[&str]) {
    let out = dir.join(format!("{}.cog.tif", input.file_name().unwrap().to_string_lossy()));
    let mut a = vec!["create", input.to_str().unwrap(), out.to_str().unwrap(), "--verify"];
    a.extend_from_slice(extra);
    let o = cogtool(&a);
    assert!(o.status.success(), "{}: {}", input.display(), stderr(&o));
    validate(&out);
    let (want, got) = (essence(&gdalinfo(input)), essence(&gdalinfo(&out)));
    assert!(want["crs"].is_u64(), "fixture without an EPSG CRS: {}", want);
    assert_eq!(got, want, "{}", input.display());
}

fn gdal_ready() -> bool {
    common::oracles(&[Oracle::GdalTools, Oracle::GdalValidator], "non-TIFF inputs made by gdal_translate")
}

#[test]
fn vrt_input_with_nodata_and_description() {
    if !gdal_ready() {
        return;
    }
    let dir = tmp("vrt");
    let vrt = dir.join("in.vrt");
    run(
        "gdal_translate",
        &["-q", "-of", "VRT", testdata("cog_float32_nodata.tif").to_str().unwrap(), vrt.to_str().unwrap()],
    );
    // Give band 1 a description through GDAL's VRT writer.
    let text = std::fs::read_to_string(&vrt).unwrap();
    // The fixture may already carry a description: replace it, else add one.
    let text = match (text.find("<Description>"), text.find("</Description>")) {
        (Some(a), Some(b)) if a < b => format!("{}<Description>Height{}", &text[..a], &text[b..]),
        _ => text.replacen("<NoDataValue>", "<Description>Height</Description>\n    <NoDataValue>", 1),
    };
    std::fs::write(&vrt, text).unwrap();
    let v = gdalinfo(&vrt);
    assert_eq!(v["bands"][0]["description"], "Height");
    assert!(v["bands"][0]["noDataValue"].is_number());
    convert_and_compare(&vrt, &dir, &["--compress", "deflate", "--predictor", "float"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn png_with_world_file_input() {
    if !gdal_ready() {
        return;
    }
    let dir = tmp("png");
    let png = dir.join("in.png");
    run(
        "gdal_translate",
        &[
            "-q",
            "-of",
            "PNG",
            "-co",
            "WORLDFILE=YES",
            testdata("cog_rgb_deflate.tif").to_str().unwrap(),
            png.to_str().unwrap(),
        ],
    );
    assert!(dir.join("in.wld").exists());
    convert_and_compare(&png, &dir, &["--compress", "zstd"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn jpeg2000_input() {
    if !gdal_ready() {
        return;
    }
    let formats = Command::new("gdalinfo").arg("--formats").output().unwrap();
    if !String::from_utf8_lossy(&formats.stdout).contains("JP2OpenJPEG") {
        crate::skip!("SKIP: this GDAL has no JP2OpenJPEG driver");
        return;
    }
    let dir = tmp("jp2");
    let jp2 = dir.join("in.jp2");
    run(
        "gdal_translate",
        &[
            "-q",
            "-of",
            "JP2OpenJPEG",
            "-co",
            "QUALITY=100",
            "-co",
            "REVERSIBLE=YES",
            testdata("cog_rgb_deflate.tif").to_str().unwrap(),
            jp2.to_str().unwrap(),
        ],
    );
    convert_and_compare(&jp2, &dir, &[]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn unreadable_non_tiff_is_one_line_exit_2() {
    let dir = tmp("bad");
    let bad = dir.join("in.png");
    std::fs::write(&bad, b"\x89PNG\r\n\x1a\nthis is not a png").unwrap();
    let out = dir.join("out.tif");
    let o = cogtool(["create", bad.to_str().unwrap(), out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.starts_with(&format!("cogtool: {}: not a TIFF, and GDAL cannot open it", bad.display())), "{}", e);
    assert_eq!(e.trim_end().lines().count(), 1, "{}", e);
    assert!(!out.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}
