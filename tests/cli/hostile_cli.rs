//! The binary against hostile input: every corpus file and a few hundred
//! mutated files through each read-only subcommand. The process must never
//! panic (exit 101) or die by a signal, must answer within a generous time
//! limit, must stay within 1 GiB of data (RLIMIT_DATA: an allocation past it
//! fails and Rust aborts, which is a signal), and an error must be one line.

use crate::common;
use crate::mutate;

use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Generous on purpose (a loaded CI machine must not flake); the real
/// per-input bound is checked in-process by tests/read/mutation.rs.
const TIMEOUT: Duration = Duration::from_secs(20);
const DATA_LIMIT_KIB: u64 = 1 << 20;

/// The read-only subcommands this build has, each as the arguments that
/// precede the file. Subcommands still being built (their stub says "not
/// implemented") are left out so this test grows as they land.
fn subcommands() -> Vec<Vec<&'static str>> {
    let mut out = vec![vec!["info"], vec!["info", "--json", "--all-values"]];
    let tiny = common::root().join("Cargo.toml");
    for cand in [
        vec!["validate"],
        vec!["validate", "--strict", "--json"],
        vec!["dump", "--xyz", "0", "0", "0", "-o", "-"],
        vec!["dump", "--xyz", "1", "1", "1", "-o", "-"],
    ] {
        let mut args: Vec<&str> = cand.clone();
        args.push(tiny.to_str().unwrap());
        let o = common::cogtool(&args);
        let err = common::stderr(&o);
        if o.status.code() == Some(2) && (err.contains("not implemented") || err.contains("unexpected argument")) {
            continue;
        }
        out.push(cand);
    }
    out
}

struct Outcome {
    code: Option<i32>,
    signal: Option<i32>,
    stderr: String,
    took: Duration,
    timed_out: bool,
}

fn run_limited(args: &[&str], file: &Path) -> Outcome {
    let bin = env!("CARGO_BIN_EXE_cogtool");
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("ulimit -d {}; exec \"$0\" \"$@\"", DATA_LIMIT_KIB))
        .arg(bin)
        .args(args)
        .arg(file)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = cmd.spawn().expect("spawn cogtool");
    let mut stderr_pipe = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stderr_pipe.read_to_end(&mut s);
        s
    });
    let mut timed_out = false;
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break st;
        }
        if start.elapsed() > TIMEOUT {
            timed_out = true;
            let _ = child.kill();
            break child.wait().expect("wait after kill");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let took = start.elapsed();
    let stderr = String::from_utf8_lossy(&reader.join().unwrap()).into_owned();
    Outcome { code: status.code(), signal: status.signal(), stderr, took, timed_out }
}

/// Check one run; returns a description of what went wrong, if anything.
fn judge(args: &[&str], file: &Path, o: &Outcome) -> Option<String> {
    let what = format!("cogtool {} {}", args.join(" "), file.display());
    if o.timed_out {
        return Some(format!("{}: still running after {:?}", what, TIMEOUT));
    }
    if let Some(sig) = o.signal {
        return Some(format!(
            "{}: killed by signal {} (abort = allocation failure); stderr: {}",
            what,
            sig,
            o.stderr.trim()
        ));
    }
    match o.code {
        Some(101) => return Some(format!("{}: panicked: {}", what, o.stderr.trim())),
        Some(0..=2) => {}
        other => return Some(format!("{}: unexpected exit {:?}", what, other)),
    }
    if o.code == Some(2) {
        // Warnings (a broken IFD chain read leniently) may come before the error.
        let lines: Vec<&str> = o.stderr.lines().filter(|l| !l.contains(": warning: ")).collect();
        if lines.len() != 1 || !lines[0].starts_with("cogtool: ") {
            return Some(format!("{}: error is not one `cogtool: ...` line: {:?}", what, o.stderr));
        }
    }
    None
}

fn sweep(files: &[PathBuf], label: &str) {
    let subs = subcommands();
    let mut failures = Vec::new();
    let mut runs = 0;
    let mut slowest = (Duration::ZERO, String::new());
    let mut codes = [0usize; 3];
    for f in files {
        for args in &subs {
            let o = run_limited(args, f);
            runs += 1;
            if o.took > slowest.0 {
                slowest = (o.took, format!("{} {}", args.join(" "), f.display()));
            }
            if let Some(c @ 0..=2) = o.code {
                codes[c as usize] += 1;
            }
            if let Some(msg) = judge(args, f, &o) {
                failures.push(msg);
            }
        }
    }
    eprintln!(
        "hostile_cli[{}]: {} files x {:?} = {} runs; exits 0/1/2: {:?}; slowest {:?} ({})",
        label,
        files.len(),
        subs.iter().map(|a| a.join(" ")).collect::<Vec<_>>(),
        runs,
        codes,
        slowest.0,
        slowest.1
    );
    for f in failures.iter().take(20) {
        eprintln!("  {}", f);
    }
    assert!(failures.is_empty(), "{} of {} runs failed; first: {}", failures.len(), runs, failures[0]);
}

#[test]
fn corpus_files_never_crash_the_cli() {
    let Some(dir) = common::corpus_dir() else { return };
    let mut files: Vec<PathBuf> =
        common::manifest(&dir).iter().map(|r| dir.join(&r["path"])).filter(|p| p.is_file()).collect();
    files.sort();
    assert!(!files.is_empty(), "manifest lists no files");
    sweep(&files, "corpus");
}

#[test]
fn mutated_files_never_crash_the_cli() {
    let tmp = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (si, (name, seed)) in mutate::builtin_seeds().iter().enumerate() {
        let m = mutate::map(seed).expect("seed parses");
        let mut all = Vec::new();
        mutate::mutations(seed, &m, 0xC11_0000 + si as u64, 200, &mut |label, bytes| all.push((label, bytes)));
        // ~35 per seed, spread evenly over every kind of mutation.
        let step = (all.len() / 35).max(1);
        for (k, (_, bytes)) in all.into_iter().enumerate().filter(|(k, _)| k % step == 0) {
            let p = tmp.path().join(format!("{}-{}.tif", name, k));
            std::fs::write(&p, bytes).unwrap();
            files.push(p);
        }
    }
    let hostile = common::root().join("testdata/hostile");
    if let Ok(rd) = std::fs::read_dir(&hostile) {
        let mut h: Vec<PathBuf> = rd.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_file()).collect();
        h.sort();
        files.extend(h);
    }
    assert!(files.len() >= 200, "only {} mutated files", files.len());
    sweep(&files, "mutated");
}

#[test]
fn option_errors_do_not_name_the_input() {
    let input = common::testdata("striped.tif");
    let i = input.to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.tif");
    let o = out.to_str().unwrap();
    for (args, want) in [
        (vec!["create", i, o, "--threads", "0"], "cogtool: --threads must be at least 1"),
        (vec!["create", i, o, "--co", "FOO=BAR"], "cogtool: --co FOO"),
    ] {
        let r = common::cogtool(&args);
        assert_eq!(r.status.code(), Some(2), "{:?}", args);
        let err = common::stderr(&r);
        assert!(err.starts_with(want), "{:?}: {}", args, err);
        assert!(!err.contains("striped.tif"), "{:?}: {}", args, err);
    }
    // An existing OUTPUT is about the command line too.
    std::fs::write(&out, b"keep").unwrap();
    let err = common::stderr(&common::cogtool(["create", i, o]));
    assert_eq!(err.trim(), format!("cogtool: {} exists; use --overwrite to replace it", o));
}

#[test]
fn create_to_stdout_refuses_a_terminal() {
    // `script` gives the command a pseudo-terminal as stdout.
    if !common::have("script") {
        crate::skip!("SKIP: no `script` to run cogtool on a pseudo-terminal");
        return;
    }
    let input = common::testdata("striped.tif");
    let cmd = format!("{} create {} - ; echo EXIT=$?", env!("CARGO_BIN_EXE_cogtool"), input.display());
    let o = Command::new("script").args(["-qec", &cmd, "/dev/null"]).stdin(Stdio::null()).output().unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("EXIT=2"), "{}", text);
    assert!(text.contains("refusing to write a binary COG to a terminal"), "{}", text);
    assert!(!text.contains("II*"), "no TIFF bytes on the terminal: {}", text);
    // Redirected, the same command streams the COG.
    let o = common::cogtool(["create", input.to_str().unwrap(), "-"]);
    assert!(o.status.success() && o.stdout.starts_with(b"II*\0"), "{}", common::stderr(&o));
}
