//! `validate --rules ogc` (OGC 21-026): COGs written by GDAL and by cogtool
//! pass; crafted files fail the requirement they break (rule IDs name the
//! requirement) where GDAL's rules call them valid. Per-requirement cases
//! on in-memory TIFFs are unit tests of src/read/validate/ogc.rs.

use crate::common::{self, Oracle, cogtool, stdout, testdata};

fn ogc(path: &std::path::Path) -> (Option<i32>, String) {
    let o = cogtool(["validate", "--rules", "ogc", "--json", path.to_str().unwrap()]);
    (o.status.code(), stdout(&o))
}

#[test]
fn cogs_of_gdal_and_cogtool_pass() {
    let dir = tempfile::tempdir().unwrap();
    let ours = dir.path().join("ours.tif");
    let o = cogtool(["create", testdata("cog_rgb_deflate.tif").to_str().unwrap(), ours.to_str().unwrap()]);
    assert!(o.status.success());
    for f in [ours, testdata("cog_rgb_deflate.tif"), testdata("cog_mask_jpeg.tif")] {
        let (code, out) = ogc(&f);
        assert_eq!(code, Some(0), "{}", out);
        assert!(out.contains("\"valid\":true"), "{}", out);
    }
    if common::oracles(&[Oracle::GdalTools], "gdal_translate -of COG output under --rules ogc") {
        let g = dir.path().join("gdal.tif");
        let s = std::process::Command::new("gdal_translate")
            .args(["-q", "-of", "COG"])
            .arg(testdata("cog_rgb_deflate.tif"))
            .arg(&g)
            .status()
            .unwrap();
        assert!(s.success());
        let (code, out) = ogc(&g);
        assert_eq!(code, Some(0), "{}", out);
    }
}

#[test]
fn rectangular_tiles_fail_small_sizes_where_gdal_says_valid() {
    let f = testdata("ogc_rect_tiles.tif");
    let gdal = cogtool(["validate", f.to_str().unwrap()]);
    assert_eq!(gdal.status.code(), Some(0), "GDAL's rules: valid");
    let (code, out) = ogc(&f);
    assert_eq!(code, Some(1), "{}", out);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let errors: Vec<&str> = v["errors"].as_array().unwrap().iter().map(|e| e["rule"].as_str().unwrap()).collect();
    assert_eq!(errors, ["ogc-optimized-geotiff-small-sizes"]);
    assert!(v["errors"][0]["message"].as_str().unwrap().contains("512x256 tiles"));
}

#[test]
fn strips_and_missing_georeferencing_fail_their_requirements() {
    let (code, out) = ogc(&testdata("striped.tif"));
    assert_eq!(code, Some(1));
    assert!(out.contains("ogc-geotiff-format-tiling"), "{}", out);
    // Tiled, with overviews, but no GeoTIFF keys.
    let (code, out) = ogc(&testdata("repack_edited.tif"));
    assert_eq!(code, Some(1));
    for id in
        ["ogc-geotiff-keys-basic-metadata-format", "ogc-geotiff-keys-georeference", "ogc-optimized-geotiff-geotiff"]
    {
        assert!(out.contains(id), "{}: {}", id, out);
    }
    // Recommendations never change the verdict (only under --strict).
    assert!(out.contains("ogc-rec-geotiff-overviews-ifd-order"), "{}", out);
}

#[test]
fn every_corpus_file_gets_a_verdict() {
    let Some(dir) = common::corpus_dir() else { return };
    let mut files: Vec<String> =
        common::manifest(&dir).iter().map(|r| dir.join(&r["path"]).display().to_string()).collect();
    files.truncate(500);
    let mut args = vec!["validate".to_string(), "--rules".into(), "ogc".into(), "--json".into()];
    args.extend(files.iter().cloned());
    let o = cogtool(&args);
    assert!(matches!(o.status.code(), Some(0..=2)), "{:?}", o.status);
    let out = stdout(&o);
    assert_eq!(out.lines().count(), files.len(), "one verdict per file");
    assert!(!common::stderr(&o).contains("panicked"));
}
