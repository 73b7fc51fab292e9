//! Crash-safe output of `cogtool create`: whatever happens to the process
//! (SIGKILL or SIGINT at any moment, a full disk, an unwritable directory),
//! OUTPUT either does not exist or is a complete COG that `validate`
//! accepts; an orderly stop (error, SIGINT) leaves no temporary file.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

const INPUT: &str = "cog_rgb_deflate.tif";

fn input() -> PathBuf {
    common::testdata(INPUT)
}

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_cogtool")
}

/// Everything in `dir` except `keep` (temp files left behind).
fn leftovers(dir: &Path, keep: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !keep.contains(&n.as_str()))
        .collect();
    v.sort();
    v
}

/// OUTPUT absent, or a COG that validates.
fn absent_or_valid(out: &Path, what: &str) -> bool {
    if !out.exists() {
        return false;
    }
    let o = common::cogtool([std::ffi::OsStr::new("validate"), out.as_os_str()]);
    assert_eq!(o.status.code(), Some(0), "{}: OUTPUT exists but does not validate: {}", what, common::stdout(&o));
    true
}

fn signal_at(sig: &str, delay_ms: u64) -> (tempfile::TempDir, PathBuf, std::process::ExitStatus) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out.tif");
    let mut child = Command::new(bin())
        .arg("create")
        .arg(input())
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(delay_ms));
    let _ = Command::new("kill").arg(format!("-{}", sig)).arg(child.id().to_string()).status();
    let st = child.wait().unwrap();
    (tmp, out, st)
}

#[test]
fn sigkill_at_any_moment_leaves_no_partial_output() {
    let mut finished = 0;
    for delay in [0, 5, 20, 50, 100, 200, 400, 800, 3000] {
        let (_tmp, out, _st) = signal_at("KILL", delay);
        if absent_or_valid(&out, &format!("SIGKILL after {} ms", delay)) {
            finished += 1;
        }
    }
    eprintln!(
        "hostile_create: SIGKILL at 9 moments; {} runs had already finished (OUTPUT valid), the rest left no OUTPUT",
        finished
    );
}

#[test]
fn sigint_removes_temporary_files() {
    for delay in [5, 20, 50, 100, 200, 400, 800] {
        let (tmp, out, st) = signal_at("INT", delay);
        let done = absent_or_valid(&out, &format!("SIGINT after {} ms", delay));
        let left = leftovers(tmp.path(), &["out.tif"]);
        assert!(left.is_empty(), "SIGINT after {} ms left {:?} (exit {:?})", delay, left, st);
        if !done {
            // Interrupted (exit 130) or killed by the signal before the handler was installed.
            assert!(st.code() == Some(130) || st.code().is_none(), "SIGINT after {} ms: exit {:?}", delay, st);
        }
    }
}

#[test]
fn a_full_disk_is_a_clean_error() {
    // RLIMIT_FSIZE stands in for a full disk: with SIGXFSZ ignored, a write
    // past 64 KiB fails with EFBIG, as a write to a full disk fails with ENOSPC.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out.tif");
    let o = Command::new("sh")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 128; exec \"$0\" create \"$1\" \"$2\"")
        .arg(bin())
        .arg(input())
        .arg(&out)
        .env("TMPDIR", tmp.path())
        .output()
        .unwrap();
    let err = common::stderr(&o);
    assert_eq!(o.status.code(), Some(2), "exit {:?}, stderr {:?}", o.status, err);
    assert_eq!(err.lines().count(), 1, "stderr is not one line: {:?}", err);
    assert!(!out.exists(), "a partial OUTPUT was left");
    assert!(leftovers(tmp.path(), &[]).is_empty(), "temp files left: {:?}", leftovers(tmp.path(), &[]));
}

#[test]
fn a_read_only_directory_is_a_clean_error() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    let tmp = tempfile::tempdir().unwrap();
    // Others may enter the test directory: as root, the child runs as nobody.
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let ro = tmp.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    let as_root = std::fs::write(ro.join("probe"), b"x").is_ok();
    let _ = std::fs::remove_file(ro.join("probe"));
    let out = ro.join("out.tif");
    let mut cmd = Command::new(bin());
    cmd.arg("create").arg(input()).arg(&out);
    if as_root {
        // root ignores directory permissions; an unprivileged user does not.
        // Drop to nobody (65534) for the child, as CI runs as root.
        cmd.uid(65534).gid(65534);
    }
    let o = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "exit {:?}, stderr {:?}", o.status, err);
    assert_eq!(err.lines().count(), 1, "{:?}", err);
    assert!(err.contains("ro"), "error does not name the directory: {:?}", err);
    assert!(!out.exists());
    assert!(leftovers(&ro, &[]).is_empty());
}
