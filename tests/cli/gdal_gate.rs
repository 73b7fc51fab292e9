//! The GDAL-only options and inputs in the DEFAULT build (no `gdal` feature):
//! they parse, show in --help with a note, and are refused with exit 2 and a
//! "rebuild with --features gdal" message, writing nothing.
#![cfg(not(feature = "gdal"))]

use crate::common;

use common::{cogtool, stderr, stdout, testdata};
use std::path::PathBuf;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cogtool-gdalgate-{}-{}", name, std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn tms_options_are_refused_with_a_rebuild_hint() {
    let dir = tmp("opts");
    let input = testdata("cog_rgb_deflate.tif");
    let tms = dir.join("tms.json");
    std::fs::write(&tms, "{}").unwrap();
    let out = dir.join("out.tif");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--web-optimized"], "--web-optimized"),
        (vec!["--tms", tms.to_str().unwrap()], "--tms"),
        (vec!["--warp-resampling", "bilinear"], "--warp-resampling"),
        (vec!["--zoom-level", "12"], "--zoom-level"),
        (vec!["--zoom-level-strategy", "upper"], "--zoom-level-strategy"),
        (vec!["--aligned-levels", "2"], "--aligned-levels"),
    ];
    for (extra, flag) in cases {
        let mut a = vec!["create", input.to_str().unwrap(), out.to_str().unwrap()];
        a.extend_from_slice(&extra);
        let o = cogtool(&a);
        assert_eq!(o.status.code(), Some(2), "{:?}: {}", extra, stderr(&o));
        let e = stderr(&o);
        assert!(e.contains("rebuild with --features gdal"), "{:?}: {}", extra, e);
        assert!(e.contains(flag), "{:?} should be named: {}", extra, e);
        assert_eq!(e.lines().count(), 1, "one line: {}", e);
        assert!(!out.exists(), "{:?} wrote an output", extra);
    }
    // A bad value is still a parse error (clap exit 2 with its own message).
    let o = cogtool(["create", input.to_str().unwrap(), out.to_str().unwrap(), "--zoom-level-strategy", "sideways"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("invalid value"), "{}", stderr(&o));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn tms_options_are_in_help_with_the_note() {
    let o = cogtool(["create", "--help"]);
    assert!(o.status.success());
    let h = stdout(&o);
    for flag in [
        "--web-optimized",
        "--tms <FILE>",
        "--warp-resampling",
        "--zoom-level <Z>",
        "--zoom-level-strategy",
        "--aligned-levels",
    ] {
        assert!(h.contains(flag), "{} missing from help", flag);
    }
    assert!(h.contains("Tile matrix sets (needs a build with --features gdal)"), "{}", h);
}

#[test]
fn non_tiff_input_asks_for_the_gdal_build() {
    let dir = tmp("nontiff");
    // A real PNG signature and IHDR start: only the first bytes matter.
    let png = dir.join("in.png");
    std::fs::write(&png, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\0\0\0\0").unwrap();
    let vrt = dir.join("in.vrt");
    std::fs::write(&vrt, "<VRTDataset rasterXSize=\"1\" rasterYSize=\"1\"></VRTDataset>").unwrap();
    for input in [&png, &vrt] {
        let out = dir.join("out.tif");
        let o = cogtool(["create", input.to_str().unwrap(), out.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert_eq!(
            stderr(&o).trim(),
            format!("cogtool: {}: not a TIFF; rebuild with --features gdal to read other formats", input.display())
        );
        assert!(!out.exists());
    }
    // TIFF inputs, even broken ones, keep the native path and its messages.
    let out = dir.join("out2.tif");
    let o = cogtool(["create", testdata("bad_truncated.tif").to_str().unwrap(), out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!stderr(&o).contains("features gdal"), "{}", stderr(&o));
    std::fs::remove_dir_all(&dir).unwrap();
}
