//! `create IN s3://bucket/key` streamed while computed, against s3s-fs and
//! moto on 127.0.0.1: objects byte-identical to the local output across
//! option sets, parts cut while the pyramid is computed (part 1, the head,
//! last), every part with a CRC32 the server checks, and nothing left
//! behind (no object, no multipart upload, no part, no temp file) when a
//! part fails, a connection drops, or the run is interrupted.

use crate::remote_support;

use remote_support::moto_server::Moto;
use remote_support::s3_server::S3Server;
use remote_support::*;
use std::path::{Path, PathBuf};

fn with_endpoint<'a>(endpoint: &'a str, args: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec!["--endpoint-url", endpoint];
    v.extend_from_slice(args);
    v
}

fn open_uploads(s: &S3Server) -> usize {
    isolate_process_env();
    let opts = cogtool::source::OpenOptions { endpoint_url: Some(s.endpoint.clone()), ..Default::default() };
    cogtool::source::runtime::block_on(async {
        let c = cogtool::source::s3::client(&opts).await;
        let out = c.list_multipart_uploads().bucket("private").send().await.expect("ListMultipartUploads");
        out.uploads().len()
    })
}

/// Run cogtool with TMPDIR pointing at `tmp` (which must stay empty).
fn run_in(tmp: &Path, args: &[&str]) -> std::process::Output {
    cogtool_env(args, &[("TMPDIR", tmp.to_str().unwrap())])
}

/// The part sizes the -v summary claims: "(N parts: a, k x b, c bytes; ...".
fn reported_parts(stderr: &str) -> Option<Vec<u64>> {
    let line = stderr.lines().find(|l| l.contains("streamed "))?;
    let inner = line.split('(').nth(1)?.split(';').next()?;
    if inner == "one PutObject" {
        return Some(vec![]);
    }
    let list = inner.split(": ").nth(1)?.trim_end_matches(" bytes");
    let mut sizes = Vec::new();
    for item in list.split(", ") {
        match item.split_once(" x ") {
            Some((n, s)) => sizes.extend(std::iter::repeat_n(s.parse::<u64>().ok()?, n.parse().ok()?)),
            None => sizes.push(item.parse().ok()?),
        }
    }
    Some(sizes)
}

#[test]
fn streamed_objects_equal_the_local_output_across_options() {
    let s = S3Server::start();
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let big = big_input(dir.path(), 2600);
    let rgb = big_input(dir.path(), 1100);
    let cases: Vec<(PathBuf, Vec<&str>, bool)> = vec![
        // Multipart: inner parts of full resolution while computing.
        (big.clone(), vec!["--compress", "none"], true),
        // Band interleave: one segment per level and band.
        (big.clone(), vec!["--compress", "none", "--interleave", "band", "--overview-resampling", "cubic"], true),
        // One PutObject each.
        (testdata("remote_mask.tif"), vec!["--compress", "zstd"], false),
        (testdata("cog_mask_jpeg.tif"), vec!["--compress", "jpeg"], false),
        (rgb.clone(), vec!["--compress", "webp", "--blocksize", "256"], false),
        (testdata("codec_sparse_nodata.tif"), vec!["--sparse"], false),
        (rgb, vec!["--bigtiff", "yes", "--compress", "lzw", "--predictor", "horizontal"], false),
    ];
    for (i, (input, extra, multipart)) in cases.iter().enumerate() {
        let want = local_cog(input, extra, &dir.path().join("want.tif"));
        let key = format!("out/{}.tif", i);
        let url = format!("s3://private/{}", key);
        let mut args = with_endpoint(&s.endpoint, &["-v", "create"]);
        args.extend_from_slice(extra);
        args.extend([input.to_str().unwrap(), url.as_str()]);
        let seen = s.control.lock().unwrap().bodies.len();
        let out = run_in(&tmp, &args);
        let err = text(&out.stderr);
        assert!(out.status.success(), "{:?}: {}", extra, err);
        let got = std::fs::read(s.object_path("private", &key)).unwrap();
        assert!(
            got == want,
            "{:?}: the object differs from the local output ({} vs {} bytes)",
            extra,
            got.len(),
            want.len()
        );
        let bodies: Vec<_> = s.control.lock().unwrap().bodies[seen..].to_vec();
        // Every request body carried its CRC32, and it matched.
        assert!(bodies.iter().all(|b| b.crc32.is_some() && b.crc32_ok), "{:?}: {:?}", extra, bodies);
        let mut sizes: Vec<(i32, u64)> = bodies.iter().map(|b| (b.number, b.len as u64)).collect();
        sizes.sort();
        let reported = reported_parts(&err).unwrap_or_else(|| panic!("no part summary in: {err}"));
        if *multipart {
            assert!(bodies.iter().all(|b| b.number > 0), "{:?}: parts only", extra);
            assert_eq!(reported, sizes.iter().map(|s| s.1).collect::<Vec<_>>(), "{:?}: {}", extra, err);
            for w in &sizes[..sizes.len() - 1] {
                assert!(w.1 >= 8 << 20, "{:?}: part {} has {} bytes", extra, w.0, w.1);
            }
            // -v logs each part: number, bytes, time.
            for (n, len) in &sizes {
                let line = format!("PUT part {} ({} bytes)", n, len);
                assert!(err.contains(&line), "{line}: {err}");
            }
        } else {
            assert_eq!(sizes, vec![(0, want.len() as u64)], "{:?}: one PutObject", extra);
            assert!(reported.is_empty(), "{err}");
        }
        assert!(std::fs::read_dir(&tmp).unwrap().next().is_none(), "{:?}: files in TMPDIR", extra);
    }
    // Parts went up while computing: in the first case, the part holding
    // the head (the lowest number) arrived after full-resolution parts cut
    // during the run.
    let c = s.control.lock().unwrap();
    let first_run: Vec<i32> = c.bodies.iter().take_while(|b| b.number > 0).map(|b| b.number).collect();
    let lowest = *first_run.iter().min().expect("parts");
    let at = first_run.iter().position(|&n| n == lowest).unwrap();
    assert!(at >= 1, "the head's part comes after parts cut while computing: {:?}", first_run);
    drop(c);
    assert_eq!(open_uploads(&s), 0);
    assert_eq!(s.leftover_parts(), Vec::<String>::new());
}

/// Run a streamed create of `big` to `key` with the server's faults set by
/// the caller: it must fail with one line naming the URL, leaving nothing.
fn assert_fails_leaving_nothing(s: &S3Server, big: &Path, key: &str, tmp: &Path, want_in_error: &[&str]) {
    let url = format!("s3://private/{}", key);
    let args =
        with_endpoint(&s.endpoint, &["--retries", "1", "create", "--compress", "none", big.to_str().unwrap(), &url]);
    let out = run_in(tmp, &args);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    for w in want_in_error {
        assert!(err.contains(w), "{w}: {err}");
    }
    assert_eq!(open_uploads(s), 0, "ListMultipartUploads must be empty");
    assert!(!s.object_path("private", key).exists(), "no object");
    assert_eq!(s.leftover_parts(), Vec::<String>::new(), "no parts left on the server");
    assert!(std::fs::read_dir(tmp).unwrap().next().is_none(), "files in TMPDIR");
}

#[test]
fn failing_parts_and_dropped_connections_leave_nothing() {
    let s = S3Server::start();
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let big = big_input(dir.path(), 2600);
    // The second part fails (after the first went up).
    s.control.lock().unwrap().fail_after = Some(1);
    assert_fails_leaving_nothing(
        &s,
        &big,
        "fail.tif",
        &tmp,
        &["s3://private/fail.tif", "UploadPart", "injected failure"],
    );
    s.control.lock().unwrap().fail_after = None;
    // Every attempt at a part loses its connection mid-request.
    s.control.lock().unwrap().drops_left = 1000;
    assert_fails_leaving_nothing(&s, &big, "dropped.tif", &tmp, &["s3://private/dropped.tif", "UploadPart"]);
    // One dropped connection is retried: the object is whole and right.
    s.control.lock().unwrap().drops_left = 1;
    let url = "s3://private/retried.tif";
    let out = run_in(&tmp, &with_endpoint(&s.endpoint, &["create", "--compress", "none", big.to_str().unwrap(), url]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(s.control.lock().unwrap().drops_left, 0, "a connection was dropped");
    let want = local_cog(&big, &["--compress", "none"], &dir.path().join("want.tif"));
    assert!(std::fs::read(s.object_path("private", "retried.tif")).unwrap() == want);
    assert_eq!(open_uploads(&s), 0);
}

#[test]
fn a_read_error_mid_run_aborts_the_upload() {
    // A DEFLATE input whose tiles near the bottom are damaged: the error
    // comes after full-resolution parts have gone up.
    let s = S3Server::start();
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let big = big_input(dir.path(), 3000);
    let damaged = dir.path().join("damaged.tif");
    let mut bytes = local_cog(&big, &["--compress", "deflate", "--overviews", "none"], &damaged);
    let at = bytes.len() * 9 / 10;
    bytes[at..at + 4096].fill(0x55);
    std::fs::write(&damaged, &bytes).unwrap();
    let url = "s3://private/damaged.tif";
    let args = with_endpoint(&s.endpoint, &["create", "--compress", "none", damaged.to_str().unwrap(), url]);
    let out = run_in(&tmp, &args);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("damaged.tif"), "{err}");
    assert!(s.control.lock().unwrap().parts_received > 0, "parts went up before the error");
    assert_eq!(open_uploads(&s), 0, "ListMultipartUploads must be empty");
    assert!(!s.object_path("private", "damaged.tif").exists(), "no object");
    assert_eq!(s.leftover_parts(), Vec::<String>::new());
}

#[test]
fn ctrl_c_while_streaming_aborts_the_upload() {
    let s = S3Server::start();
    let (tx, rx) = tokio::sync::oneshot::channel();
    s.control.lock().unwrap().on_first_part = Some(tx);
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let big = big_input(dir.path(), 2600);
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_cogtool"));
    isolated_env(&mut cmd);
    cmd.env("TMPDIR", &tmp)
        .args(with_endpoint(&s.endpoint, &["create", "--compress", "none"]))
        .args([big.to_str().unwrap(), "s3://private/cancel.tif"])
        .stderr(std::process::Stdio::piped());
    let child = cmd.spawn().unwrap();
    // The first part is an inner part of full resolution, cut mid-run.
    rx.blocking_recv().expect("a part arrived");
    let st = std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(st.success());
    let out = child.wait_with_output().unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(err.contains("interrupted") && err.contains("aborted"), "{err}");
    assert_eq!(open_uploads(&s), 0, "ListMultipartUploads must be empty after Ctrl-C");
    assert!(!s.object_path("private", "cancel.tif").exists(), "no object");
    assert!(std::fs::read_dir(&tmp).unwrap().next().is_none(), "files in TMPDIR");
}

#[test]
fn streamed_to_moto_equals_the_local_output_and_ctrl_c_leaves_nothing() {
    let Some(m) = Moto::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let big = big_input(dir.path(), 2600);
    for (input, extra) in [
        (big.clone(), vec!["--compress", "none"]),
        (big.clone(), vec!["--compress", "none", "--interleave", "band"]),
        (testdata("remote_mask.tif"), vec!["--compress", "deflate"]),
    ] {
        let want = local_cog(&input, &extra, &dir.path().join("want.tif"));
        let mut args = with_endpoint(&m.endpoint, &["create"]);
        args.extend_from_slice(&extra);
        args.extend([input.to_str().unwrap(), "s3://private/moto.tif", "--overwrite"]);
        let out = run_in(&tmp, &args);
        assert!(out.status.success(), "{:?}: {}", extra, text(&out.stderr));
        assert!(m.object("moto.tif").expect("object") == want, "{:?}: the object differs", extra);
        assert_eq!(m.open_uploads(), 0);
    }
    // Without --overwrite the existing key is refused before any work.
    let args = with_endpoint(&m.endpoint, &["create", big.to_str().unwrap(), "s3://private/moto.tif"]);
    let out = run_in(&tmp, &args);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--overwrite"), "{}", text(&out.stderr));
    // Terminated (SIGTERM) once the upload exists: aborted, no object.
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_cogtool"));
    isolated_env(&mut cmd);
    cmd.env("TMPDIR", &tmp)
        .args(with_endpoint(&m.endpoint, &["create", "--compress", "none"]))
        .args([big.to_str().unwrap(), "s3://private/moto-cancel.tif"])
        .stderr(std::process::Stdio::piped());
    let child = cmd.spawn().unwrap();
    let t0 = std::time::Instant::now();
    while m.open_uploads() == 0 {
        assert!(t0.elapsed().as_secs() < 60, "no multipart upload started");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let st = std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(st.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(143), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("aborted"), "{}", text(&out.stderr));
    assert_eq!(m.open_uploads(), 0, "ListMultipartUploads must be empty after SIGTERM");
    assert!(m.object("moto-cancel.tif").is_none(), "no object");
    assert!(std::fs::read_dir(&tmp).unwrap().next().is_none(), "files in TMPDIR");
}

/// `create --part I/N` to an S3 OUTPUT stages under `s3://bucket/key.parts/`;
/// `assemble` writes the object (equal to a local single run) and removes
/// the staging: no objects and no multipart uploads left.
fn parts_through_s3(endpoint: &str, objects_under: &dyn Fn(&str) -> usize, object: &dyn Fn(&str) -> Option<Vec<u8>>) {
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    // Full resolution: 27 MB in two parts' blobs of 18 and 9 MB, so whole
    // 8 MiB parts lie inside a staged blob and are copied by the server.
    let input = big_input(dir.path(), 3000);
    let opts = ["--overview-resampling", "cubic", "--compress", "none"];
    let want = local_cog(&input, &opts, &dir.path().join("single.tif"));
    let url = "s3://private/dist/huge.tif";
    for i in 0..2 {
        let spec = format!("{}/2", i);
        let mut args = with_endpoint(endpoint, &["create", input.to_str().unwrap(), url, "--part", spec.as_str()]);
        args.extend_from_slice(&opts);
        let o = run_in(&tmp, &args);
        assert!(o.status.success(), "part {}: {}", spec, text(&o.stderr));
        if i == 0 {
            // Part 1 not done yet (or killed): refused by name, no object.
            let o = run_in(&tmp, &with_endpoint(endpoint, &["assemble", url]));
            assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
            assert!(text(&o.stderr).contains("part(s) 1 of 2 missing"), "{}", text(&o.stderr));
            assert!(object("dist/huge.tif").is_none());
        }
    }
    assert!(objects_under("dist/huge.tif.parts/") >= 2 * 3, "each part staged its files");
    assert!(object("dist/huge.tif").is_none(), "no object before assemble");
    let o = run_in(&tmp, &with_endpoint(endpoint, &["-v", "assemble", url]));
    let err = text(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("bytes copied from s3://private/dist/huge.tif.parts/part-"), "UploadPartCopy used: {err}");
    assert!(object("dist/huge.tif").expect("the object") == want, "differs from a local single run");
    assert_eq!(objects_under("dist/huge.tif.parts/"), 0, "staging removed");
    assert!(std::fs::read_dir(&tmp).unwrap().next().is_none(), "files in TMPDIR");
    // A second assemble finds nothing to do and the object in place.
    let o = run_in(&tmp, &with_endpoint(endpoint, &["assemble", url]));
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
}

#[test]
fn parts_staged_on_s3_assemble_into_the_object() {
    let s = S3Server::start();
    let under = |prefix: &str| {
        let root = s.root.join("private").join(prefix);
        fn count(p: &Path) -> usize {
            std::fs::read_dir(p)
                .map_or(0, |d| d.flatten().map(|e| if e.path().is_dir() { count(&e.path()) } else { 1 }).sum())
        }
        count(&root)
    };
    let object = |key: &str| std::fs::read(s.object_path("private", key)).ok();
    parts_through_s3(&s.endpoint, &under, &object);
    assert_eq!(open_uploads(&s), 0);
    let Some(m) = Moto::start() else { return };
    let under = |prefix: &str| {
        let p = prefix.to_string();
        m.run(|c| async move {
            let r = c.list_objects_v2().bucket("private").prefix(p).send().await.expect("ListObjectsV2");
            r.contents().len()
        })
    };
    let object = |key: &str| m.object(key);
    parts_through_s3(&m.endpoint, &under, &object);
    assert_eq!(m.open_uploads(), 0);
}
