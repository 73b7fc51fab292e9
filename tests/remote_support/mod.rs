//! Real servers on 127.0.0.1 for the remote tests (tests/remote_*.rs).
#![allow(dead_code)]

pub mod cloud_emulators;
pub mod http_server;
pub mod moto_server;
pub mod s3_server;

use std::path::PathBuf;
use std::process::{Command, Output};

/// The environment every cogtool run gets in these tests: test credentials,
/// no user configuration, no instance-metadata lookups.
pub fn isolated_env(cmd: &mut Command) -> &mut Command {
    for v in ["AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION"] {
        cmd.env_remove(v);
    }
    // Nor the user's Google or Azure configuration.
    for v in [
        "STORAGE_EMULATOR_HOST",
        "GOOGLE_APPLICATION_CREDENTIALS",
        "AZURE_STORAGE_CONNECTION_STRING",
        "AZURE_STORAGE_ACCOUNT",
        "AZURE_STORAGE_KEY",
        "AZURE_STORAGE_SAS_TOKEN",
        "AZURE_CLIENT_ID",
    ] {
        cmd.env_remove(v);
    }
    cmd.env("CLOUDSDK_CONFIG", "/nonexistent/cogtool-test/gcloud");
    cmd.env("AWS_ACCESS_KEY_ID", s3_server::ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", s3_server::SECRET_KEY)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/nonexistent/cogtool-test/config")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/cogtool-test/credentials")
        .env("AWS_EC2_METADATA_DISABLED", "true")
}

/// Same, for in-process calls of the library (set once, before any test
/// thread reads the environment).
pub fn isolate_process_env() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: every test calls this first; Once makes the others wait
        // until it is done, so nothing reads the environment concurrently.
        unsafe {
            for v in
                ["AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION"]
            {
                std::env::remove_var(v);
            }
            std::env::set_var("AWS_ACCESS_KEY_ID", s3_server::ACCESS_KEY);
            std::env::set_var("AWS_SECRET_ACCESS_KEY", s3_server::SECRET_KEY);
            std::env::set_var("AWS_REGION", "us-east-1");
            std::env::set_var("AWS_CONFIG_FILE", "/nonexistent/cogtool-test/config");
            std::env::set_var("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/cogtool-test/credentials");
            std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
        }
    });
}

thread_local! {
    /// Variables every cogtool run of this test thread gets (an emulator's
    /// address), set by [`with_env`].
    static EXTRA_ENV: std::cell::RefCell<Vec<(String, String)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Run `f` with `vars` in the environment of every cogtool it starts (the
/// helpers below included); tests run in threads of their own.
pub fn with_env<T>(vars: &[(String, String)], f: impl FnOnce() -> T) -> T {
    let old = EXTRA_ENV.with(|e| std::mem::replace(&mut *e.borrow_mut(), vars.to_vec()));
    let r = f();
    EXTRA_ENV.with(|e| *e.borrow_mut() = old);
    r
}

pub fn cogtool_env<I, S>(args: I, extra_env: &[(&str, &str)]) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cogtool"));
    isolated_env(&mut cmd);
    EXTRA_ENV.with(|e| {
        for (k, v) in e.borrow().iter() {
            cmd.env(k, v);
        }
    });
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    cmd.args(args).output().expect("run cogtool")
}

pub fn cogtool<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    cogtool_env(args, &[])
}

/// Every *.tif directly under testdata/ (the shared fixtures and ours),
/// but those with an `.ovr` or `.msk` beside them: GDAL's sidecars are
/// looked for beside local files only, so a remote read sees less.
pub fn fixtures() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "tif" || e == "tiff") && p.is_file())
        .filter(|p| [".ovr", ".msk"].iter().all(|s| !PathBuf::from(format!("{}{}", p.display(), s)).exists()))
        .collect();
    v.sort();
    v
}

/// A square RGB input of side `w` in `dir` (made once): at 2600, 20 MB
/// uncompressed, more than two 8 MiB parts, so inner parts of a streamed
/// upload go up while the overviews are computed.
pub fn big_input(dir: &std::path::Path, w: usize) -> PathBuf {
    let p = dir.join(format!("big_{}.tif", w));
    if !p.exists() {
        let px = crate::create_support::pixels(w, w, 3, 1, 1);
        crate::create_support::write_tiff(&p, w, w, 3, 1, 1, &px, Vec::new());
    }
    p
}

/// `cogtool create [extra] INPUT OUT` to a local file; its bytes.
pub fn local_cog(input: &std::path::Path, extra: &[&str], out: &std::path::Path) -> Vec<u8> {
    let _ = std::fs::remove_file(out);
    let mut args = vec!["create"];
    args.extend_from_slice(extra);
    args.extend([input.to_str().unwrap(), out.to_str().unwrap()]);
    let o = cogtool(&args);
    assert!(o.status.success(), "{}", text(&o.stderr));
    std::fs::read(out).unwrap()
}

pub fn testdata(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata").join(name)
}

/// `info --json` output with the fields that legitimately differ between a
/// local and a remote read removed.
pub fn comparable_json(stdout: &[u8]) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_slice(stdout).expect("info --json output is JSON");
    if let Some(o) = v.as_object_mut() {
        for k in ["path", "requests", "bytes_fetched"] {
            o.remove(k);
        }
    }
    v
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Every file under `dir`, by path relative to it, with its bytes.
pub fn read_tree(dir: &std::path::Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    fn walk(root: &std::path::Path, d: &std::path::Path, out: &mut std::collections::BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = std::collections::BTreeMap::new();
    if dir.exists() {
        walk(dir, dir, &mut out);
    }
    out
}

/// What `dump` produced for one source: exit code and the files written.
#[derive(Debug, PartialEq)]
pub struct Dumped {
    pub code: Option<i32>,
    pub files: std::collections::BTreeMap<String, Vec<u8>>,
}

/// `cogtool [pre...] dump --level Z --all [--mask] -o TMPDIR SOURCE`.
pub fn dump_level(pre: &[&str], source: &str, z: usize, mask: bool) -> Dumped {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tiles");
    let zs = z.to_string();
    let mut args: Vec<&str> = pre.to_vec();
    args.extend(["dump", "--level", &zs, "--all", "-o", out.to_str().unwrap(), source]);
    if mask {
        args.push("--mask");
    }
    let o = cogtool(&args);
    Dumped { code: o.status.code(), files: read_tree(&out) }
}

/// `cogtool [pre...] dump --xyz 0 0 Z -o - SOURCE`: exit code and stdout.
pub fn dump_first_tile(pre: &[&str], source: &str, z: usize) -> (Option<i32>, Vec<u8>) {
    let zs = z.to_string();
    let mut args: Vec<&str> = pre.to_vec();
    args.extend(["dump", "--xyz", "0", "0", &zs, "-o", "-", source]);
    let o = cogtool(&args);
    (o.status.code(), o.stdout)
}

/// Levels (full resolution + overviews) and whether there is a mask, from
/// the local `info --json`; (1, false) when info fails.
pub fn levels_and_mask(local: &std::path::Path) -> (usize, bool) {
    let o = cogtool(["info", "--json", local.to_str().unwrap()]);
    let Ok(j) = serde_json::from_slice::<serde_json::Value>(&o.stdout) else { return (1, false) };
    let ifds = j["ifds"].as_array().cloned().unwrap_or_default();
    let count = |k: &str| ifds.iter().filter(|i| i["kind"] == k).count();
    ((count("image") + count("overview")).max(1), count("mask") > 0)
}

/// Dump every level (and every mask level) of a fixture from `source` and
/// check it against the same dump of the local file. Returns how many
/// dumps wrote at least one tile (so callers can check the test did work).
pub fn assert_dumps_match_local(local: &std::path::Path, pre: &[&str], source: &str) -> usize {
    let name = local.file_name().unwrap().to_string_lossy().into_owned();
    let (levels, has_mask) = levels_and_mask(local);
    let mut nonempty = 0;
    for mask in [false, true] {
        if mask && !has_mask {
            continue;
        }
        // One level past the last: the "no such level" answer must match too.
        for z in 0..=levels {
            let want = dump_level(&[], local.to_str().unwrap(), z, mask);
            let got = dump_level(pre, source, z, mask);
            assert_eq!(want.code, got.code, "{name} level {z} mask {mask}: exit codes differ");
            assert_eq!(want.files.keys().collect::<Vec<_>>(), got.files.keys().collect::<Vec<_>>(), "{name} z{z}");
            assert!(want.files == got.files, "{name} level {z} mask {mask}: tile bytes differ");
            nonempty += usize::from(!want.files.is_empty());
        }
    }
    for z in 0..levels {
        let want = dump_first_tile(&[], local.to_str().unwrap(), z);
        let got = dump_first_tile(pre, source, z);
        assert!(want == got, "{name} tile 0 0 {z}: local {:?}, remote {:?}", want.0, got.0);
    }
    nonempty
}
