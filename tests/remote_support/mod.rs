//! Real servers on 127.0.0.1 for the remote tests (tests/remote_*.rs).
#![allow(dead_code)]

pub mod http_server;
pub mod s3_server;

use std::path::PathBuf;
use std::process::{Command, Output};

/// The environment every cogtool run gets in these tests: test credentials,
/// no user configuration, no instance-metadata lookups.
pub fn isolated_env(cmd: &mut Command) -> &mut Command {
    for v in ["AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION"] {
        cmd.env_remove(v);
    }
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

pub fn cogtool_env<I, S>(args: I, extra_env: &[(&str, &str)]) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cogtool"));
    isolated_env(&mut cmd);
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

/// Every *.tif directly under testdata/ (the shared fixtures and ours).
pub fn fixtures() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "tif" || e == "tiff") && p.is_file())
        .collect();
    v.sort();
    v
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
