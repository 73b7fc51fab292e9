//! `cogtool create` over the shared corpus (files under 1 MB, rasters up to 4 M samples): every run
//! ends with exit 0 and an output our validator calls valid, or exit 2 with
//! a one-line error and no output; never a panic, never a hang (hostile
//! sizes are refused up front). Skips when the corpus is absent. Also the
//! differential tests against gdal_translate (default options, and five
//! option sets level by level).

use crate::common;

use common::{corpus_dir, stderr};
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The manifest's rows of files under 1 MB holding at most `samples`
/// samples, with their paths (sparse files can be tiny on disk yet hold
/// 100 M pixels: too slow for a debug-build test).
fn small_files(dir: &std::path::Path, samples: u64) -> Vec<(HashMap<String, String>, PathBuf)> {
    common::manifest(dir)
        .into_iter()
        .filter_map(|row| {
            let path = dir.join(&row["path"]);
            let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(u64::MAX);
            let dim = |k: &str| row.get(k).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
            (size <= 1 << 20 && dim("width") * dim("height") * dim("bands").max(1) <= samples).then_some((row, path))
        })
        .collect()
}

#[test]
fn corpus_files_convert_or_fail_cleanly() {
    let Some(dir) = corpus_dir() else { return };
    let out_dir = std::env::temp_dir().join(format!("cogtool-create-corpus-{}", std::process::id()));
    std::fs::create_dir_all(&out_dir).unwrap();
    let out = out_dir.join("out.tif");
    let (mut ok, mut refused) = (0, 0);
    for (row, path) in small_files(&dir, 4_000_000) {
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

/// A distributed run over the corpus: for every file (under 1 MB, up to
/// 1 M samples) that converts, 3 parts and `assemble` give the bytes
/// of a single run, at 64-pixel tiles (so that small images still make
/// several stripes and levels) with a kernel that needs a halo. A file a
/// single run refuses is refused by a part or the assembly too, and leaves
/// no OUTPUT. With the `gdal` feature a single run converts other formats
/// through GDAL; parts refuse them in one line naming the input once.
#[test]
fn corpus_files_in_parts_equal_single_runs() {
    let Some(dir) = corpus_dir() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let (single, out) = (tmp.path().join("single.tif"), tmp.path().join("out.tif"));
    let (s, o) = (single.to_str().unwrap(), out.to_str().unwrap());
    let opts = ["--blocksize", "64", "--overview-resampling", "lanczos"];
    let (mut same, mut refused) = (0, 0);
    for (row, path) in small_files(&dir, 1_000_000) {
        let p = path.to_str().unwrap();
        let _ = std::fs::remove_file(&single);
        let _ = std::fs::remove_file(&out);
        let mut args = vec!["create", "-q", p, s];
        args.extend(opts);
        let one = common::cogtool(&args);
        let mut failed = None;
        for i in 0..3 {
            let spec = format!("{}/3", i);
            let mut args = vec!["create", "-q", p, o, "--part", spec.as_str()];
            args.extend(opts);
            let r = common::cogtool(&args);
            if !r.status.success() {
                failed = Some(r);
                break;
            }
        }
        if failed.is_none() {
            let r = common::cogtool(["assemble", "-q", o]);
            if !r.status.success() {
                failed = Some(r);
            }
        }
        match (one.status.code(), failed) {
            (Some(0), None) => {
                assert!(
                    std::fs::read(&out).unwrap() == std::fs::read(&single).unwrap(),
                    "{}: 3 parts differ from a single run",
                    row["path"]
                );
                same += 1;
            }
            (Some(0), Some(r)) if stderr(&r).contains("--part needs a TIFF input") => {
                let err = stderr(&r);
                assert_eq!(r.status.code(), Some(2), "{}: {}", row["path"], err);
                assert_eq!(err.lines().count(), 1, "{}: {}", row["path"], err);
                assert_eq!(err.matches(path.to_str().unwrap()).count(), 1, "{}", err);
                assert!(!out.exists(), "{}: OUTPUT left by a refused part", row["path"]);
                refused += 1;
            }
            (Some(0), Some(r)) => panic!("{}: a single run converts it, the parts fail: {}", row["path"], stderr(&r)),
            (Some(2), Some(r)) => {
                assert_eq!(r.status.code(), Some(2), "{}: {}", row["path"], stderr(&r));
                assert!(!out.exists(), "{}: OUTPUT left by a failed distributed run", row["path"]);
                refused += 1;
            }
            (c, _) => panic!("{}: single run exit {:?}, parts succeeded: {}", row["path"], c, stderr(&one)),
        }
        let _ = std::fs::remove_dir_all(tmp.path().join("out.tif.parts"));
    }
    eprintln!("parts over the corpus: {} byte-identical, {} refused by both", same, refused);
    assert!(same > 100, "only {} corpus files compared", same);
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
    if !common::oracles(common::GDAL_PYTHON, "corpus outputs against gdal_translate's") {
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

/// `cogtool create` and `gdal_translate -of COG -co OVERVIEWS=IGNORE_EXISTING`
/// with five option sets (defaults, average, nearest with 128-pixel tiles,
/// deflate with predictor, zstd), level by level: validity and values agree
/// on >= 99.5% of pixels, no non-finite value where GDAL's is finite, same
/// nodata, palette and geotransform (tests/create_support/corpus_option_sets.py).
/// A deterministic sample (files up to 1 MB and 1 M samples, every 3rd) by
/// default and in CI; every file with COGTOOL_FULL_DIFF=1, run with the
/// binary COGTOOL_DIFF_BIN if set (a release build is much faster).
#[test]
fn corpus_option_sets_agree_with_gdal_level_by_level() {
    let Some(dir) = corpus_dir() else { return };
    if !common::oracles(common::GDAL_PYTHON, "corpus outputs against gdal_translate's") {
        return;
    }
    let work = std::env::temp_dir().join(format!("cogtool-option-sets-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    let script = common::root().join("tests/create_support/corpus_option_sets.py");
    let bin = std::env::var("COGTOOL_DIFF_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_cogtool").to_string());
    let full = std::env::var("COGTOOL_FULL_DIFF").as_deref() == Ok("1");
    let mut cmd = std::process::Command::new(common::PY);
    cmd.arg(&script).args([bin.as_str(), dir.to_str().unwrap(), work.to_str().unwrap()]);
    if !full {
        cmd.args(["--max-bytes", "1048576", "--max-samples", "1000000", "--every", "3", "--timeout", "60"]);
    }
    let t = Instant::now();
    let o = cmd.output().expect("python");
    let out = common::stdout(&o);
    // The per-set, per-level figures and the summary line.
    for line in out.lines().filter(|l| l.contains(" level ") || l.starts_with("option sets:")) {
        eprintln!("{}", line);
    }
    eprintln!("option-set differential ({}) took {:?}", if full { "full" } else { "sample" }, t.elapsed());
    assert!(o.status.success(), "{}{}", out, stderr(&o));
    assert!(out.lines().last().unwrap_or("").starts_with("option sets: "), "{}", out);
    std::fs::remove_dir_all(&work).unwrap();
}
