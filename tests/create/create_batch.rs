//! Many inputs per call (`cp`'s convention): into a directory, from a list
//! on stdin, a failed input reported while the others are converted, and
//! nothing partial left for the failed one.

use crate::common::{cogtool, stderr, testdata};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cogtool-batch-{}-{}", name, std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

/// The bytes a single-file conversion of `input` writes.
fn single(input: &str, dir: &Path) -> Vec<u8> {
    let out = dir.join(format!("single-{}", input));
    let o = cogtool(["create", &testdata(input).to_string_lossy(), &out.to_string_lossy()]);
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::read(out).unwrap()
}

#[test]
fn many_inputs_into_a_directory_and_a_failure_reported() {
    let dir = tmp("dir");
    let out = dir.join("cogs");
    let inputs = ["cog_3x2_tiles.tif", "bad_truncated.tif", "ovr_factor4.tif", "tiled_not_cog.tif"];
    let mut args = vec!["create".to_string()];
    args.extend(inputs.iter().map(|i| testdata(i).to_string_lossy().into_owned()));
    args.push(format!("{}/", out.display()));
    let o = cogtool(&args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "a failed input makes exit 2: {}", err);
    assert_eq!(err.lines().count(), 1, "one line for the one failure: {}", err);
    assert!(err.contains("bad_truncated.tif") && err.contains("past end of file"), "{}", err);
    // The others are there, each as a single conversion writes it; nothing
    // for the failed one, no temporary file.
    assert_eq!(listing(&out), vec!["cog_3x2_tiles.tif", "ovr_factor4.tif", "tiled_not_cog.tif"]);
    for i in ["cog_3x2_tiles.tif", "ovr_factor4.tif", "tiled_not_cog.tif"] {
        assert!(std::fs::read(out.join(i)).unwrap() == single(i, &dir), "{}: differs from a single conversion", i);
    }
    // An existing directory needs no trailing slash; existing outputs are
    // kept without --overwrite (each failure reported), replaced with it.
    let mut again = args.clone();
    again.retain(|a| !a.contains("bad_truncated"));
    *again.last_mut().unwrap() = out.to_string_lossy().into_owned();
    let o = cogtool(&again);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stderr(&o).matches("exists; use --overwrite").count(), 3, "{}", stderr(&o));
    again.push("--overwrite".into());
    let o = cogtool(&again);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn refusals_before_anything_is_written() {
    let dir = tmp("refuse");
    let (a, b) = (testdata("cog_3x2_tiles.tif"), testdata("ovr_factor4.tif"));
    // Several inputs need a directory.
    let not_dir = dir.join("one.tif");
    let o = cogtool(["create", &a.to_string_lossy(), &b.to_string_lossy(), &not_dir.to_string_lossy()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("2 inputs need a directory OUTPUT"), "{}", stderr(&o));
    // Two inputs with one name would overwrite each other.
    let other = dir.join("sub");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::copy(&a, other.join("ovr_factor4.tif")).unwrap();
    let target = format!("{}/out/", dir.display());
    let o = cogtool(["create", &b.to_string_lossy(), &other.join("ovr_factor4.tif").to_string_lossy(), &target]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("would both be written"), "{}", stderr(&o));
    assert_eq!(listing(&dir), vec!["sub"], "nothing written");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn input_paths_from_stdin() {
    let dir = tmp("stdin");
    let out = format!("{}/", dir.join("out").display());
    let mut child = Command::new(env!("CARGO_BIN_EXE_cogtool"))
        .args(["create", "-q", "-", &out])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let list = format!("{}\n\n{}\n", testdata("cog_3x2_tiles.tif").display(), testdata("ovr_unsorted.tif").display());
    child.stdin.take().unwrap().write_all(list.as_bytes()).unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(listing(&dir.join("out")), vec!["cog_3x2_tiles.tif", "ovr_unsorted.tif"]);
    let v = cogtool(["validate", &dir.join("out/ovr_unsorted.tif").to_string_lossy()]);
    assert_eq!(v.status.code(), Some(0));
    std::fs::remove_dir_all(&dir).unwrap();
}
