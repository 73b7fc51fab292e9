//! `cogtool create` over the shared corpus (files under 1 MB, rasters up to 4 M samples): every run
//! ends with exit 0 and an output our validator calls valid, or exit 2 with
//! a one-line error and no output; never a panic, never a hang (hostile
//! sizes are refused up front). Skips when the corpus is absent.

mod common;

use common::{corpus_dir, stderr};
use std::time::{Duration, Instant};

#[test]
fn corpus_files_convert_or_fail_cleanly() {
    let Some(dir) = corpus_dir() else { return };
    let out_dir = std::env::temp_dir().join(format!("cogtool-create-corpus-{}", std::process::id()));
    std::fs::create_dir_all(&out_dir).unwrap();
    let out = out_dir.join("out.tif");
    let (mut ok, mut refused) = (0, 0);
    for row in common::manifest(&dir) {
        let path = dir.join(&row["path"]);
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(u64::MAX);
        // Small files only, and no big rasters (sparse files can be tiny on
        // disk yet hold 100 M pixels: too slow for a debug-build test).
        let dim = |k: &str| row.get(k).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        if size > 1 << 20 || dim("width") * dim("height") * dim("bands").max(1) > 4_000_000 {
            continue;
        }
        let _ = std::fs::remove_file(&out);
        let t = Instant::now();
        let o = common::cogtool(["create", "-q", path.to_str().unwrap(), out.to_str().unwrap(), "--overwrite"]);
        assert!(t.elapsed() < Duration::from_secs(120), "{}: took {:?}", row["path"], t.elapsed());
        let err = stderr(&o);
        assert!(!err.contains("panicked"), "{}: {}", row["path"], err);
        match o.status.code() {
            Some(0) => {
                let v = common::cogtool(["validate", out.to_str().unwrap()]);
                assert_eq!(v.status.code(), Some(0), "{}: output not valid: {}", row["path"], common::stdout(&v));
                ok += 1;
            }
            Some(2) => {
                assert_eq!(err.lines().count(), 1, "{}: {}", row["path"], err);
                assert!(!out.exists(), "{}: output left after an error", row["path"]);
                refused += 1;
            }
            c => panic!("{}: exit {:?}: {}", row["path"], c, err),
        }
    }
    eprintln!("create over the corpus: {} converted, {} refused with a one-line error", ok, refused);
    assert!(ok > 50, "only {} corpus files converted", ok);
    let left: Vec<_> = std::fs::read_dir(&out_dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(left.iter().all(|n| !n.to_string_lossy().starts_with('.')), "temp files left: {:?}", left);
    std::fs::remove_dir_all(&out_dir).unwrap();
}

/// The same corpus through `cogtool create` and `gdal_translate -of COG`
/// (default options, files up to 2 MB and 4 M samples): GDAL reads back the
/// same size, georeferencing, metadata, nodata, palette, mask flags,
/// overview sizes, full-resolution checksums and overview pixels (within 1)
/// from both, apart from the deliberate differences the script lists; a
/// file only GDAL converts must use a codec cogtool documents as
/// unsupported. Skips without the corpus or GDAL's Python bindings.
#[test]
fn corpus_outputs_read_back_as_gdal_translates_do() {
    let Some(dir) = corpus_dir() else { return };
    if !common::gdal_python_ready() {
        return;
    }
    let work = std::env::temp_dir().join(format!("cogtool-corpus-vs-gdal-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    let script = common::root().join("tests/create_support/corpus_vs_gdal.py");
    let o = std::process::Command::new(common::PY)
        .arg(&script)
        .args([env!("CARGO_BIN_EXE_cogtool"), dir.to_str().unwrap(), work.to_str().unwrap()])
        .args([(2u64 << 20).to_string(), 4_000_000.to_string()])
        .output()
        .expect("python");
    let out = common::stdout(&o);
    eprintln!("{}", out.lines().last().unwrap_or(""));
    assert!(o.status.success(), "{}{}", out, stderr(&o));
    assert!(out.contains("compared "), "{}", out);
    std::fs::remove_dir_all(&work).unwrap();
}
