//! s3:// sources and uploads against s3s-fs on 127.0.0.1 (SigV4 enforced,
//! see tests/remote_support/s3_server.rs): identical `info` output to local
//! reads, signed and anonymous access, error advice, and multipart uploads
//! that leave nothing behind when they fail.

use crate::remote_support;

use remote_support::s3_server::S3Server;
use remote_support::*;

fn with_endpoint<'a>(s: &'a S3Server, args: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec!["--endpoint-url", s.endpoint.as_str()];
    v.extend_from_slice(args);
    v
}

#[test]
fn info_json_over_s3_matches_local_signed_and_anonymous() {
    let s = S3Server::start();
    let files = fixtures();
    for f in &files {
        let name = f.file_name().unwrap().to_str().unwrap();
        s.put_file("private", name, f);
        s.put_file("public", name, f);
        let local = cogtool(["info", "--json", f.to_str().unwrap()]);
        let signed_url = format!("s3://private/{}", name);
        let signed = cogtool(with_endpoint(&s, &["info", "--json", &signed_url]));
        let anon_url = format!("s3://public/{}", name);
        let anon = cogtool(with_endpoint(&s, &["info", "--json", "--no-sign-request", &anon_url]));
        for (what, out) in [("signed", &signed), ("anonymous", &anon)] {
            assert_eq!(local.status.code(), out.status.code(), "{name} {what}: {}", text(&out.stderr));
            if local.status.success() {
                assert_eq!(comparable_json(&local.stdout), comparable_json(&out.stdout), "{name} {what}");
            }
        }
        if local.status.success() {
            let j: serde_json::Value = serde_json::from_slice(&signed.stdout).unwrap();
            assert_eq!(j["requests"], s.gets("private", name).len() as u64, "{name}");
        }
    }
}

#[test]
fn info_makes_one_ranged_get_and_endpoint_comes_from_environment() {
    let s = S3Server::start();
    s.put_file("private", "dir/a b.tif", &testdata("remote_mask.tif"));
    let out = cogtool_env(["info", "--json", "s3://private/dir/a b.tif"], &[("AWS_ENDPOINT_URL_S3", &s.endpoint)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(s.gets("private", "dir/a b.tif"), vec![Some("bytes=0-16383".to_string())]);
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((j["requests"].as_u64(), j["bytes_fetched"].as_u64()), (Some(1), Some(16384)));
    let out = cogtool_env(["info", "--json", "s3://private/dir/a b.tif"], &[("AWS_ENDPOINT_URL", &s.endpoint)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn wrong_secret_is_rejected_with_advice() {
    let s = S3Server::start();
    s.put_file("private", "a.tif", &testdata("remote_small.tif"));
    let out =
        cogtool_env(with_endpoint(&s, &["info", "s3://private/a.tif"]), &[("AWS_SECRET_ACCESS_KEY", "not-the-secret")]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("403") && err.contains("--no-sign-request") && err.contains("--request-payer"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn anonymous_read_of_private_bucket_is_denied_with_advice() {
    let s = S3Server::start();
    s.put_file("private", "a.tif", &testdata("remote_small.tif"));
    let out = cogtool(with_endpoint(&s, &["info", "--no-sign-request", "s3://private/a.tif"]));
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("access denied") && err.contains("credentials"), "{err}");
}

#[test]
fn missing_key_names_the_url() {
    let s = S3Server::start();
    let out = cogtool(with_endpoint(&s, &["info", "s3://private/nope.tif"]));
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("404") && err.contains("s3://private/nope.tif"), "{err}");
    assert_eq!(s.gets("private", "nope.tif").len(), 1, "404 is not retried");
    let out = cogtool(with_endpoint(&s, &["info", "s3://nobucket/x.tif"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("s3://nobucket/x.tif"), "{}", text(&out.stderr));
}

#[test]
fn bad_s3_url_is_a_usage_error() {
    let out = cogtool(["info", "s3://just-a-bucket"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("s3://bucket/key"), "{}", text(&out.stderr));
}

#[test]
fn requester_pays_flag_is_accepted() {
    // s3s-fs does not bill; this checks the flag reaches a working request.
    let s = S3Server::start();
    s.put_file("private", "a.tif", &testdata("remote_small.tif"));
    let out = cogtool(with_endpoint(&s, &["info", "--request-payer", "requester", "s3://private/a.tif"]));
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn validate_json_over_s3_matches_local_signed_and_anonymous() {
    let s = S3Server::start();
    for f in fixtures() {
        let name = f.file_name().unwrap().to_str().unwrap();
        s.put_file("private", name, &f);
        s.put_file("public", name, &f);
        let local = cogtool(["validate", "--json", "--full-check", "yes", f.to_str().unwrap()]);
        let signed_url = format!("s3://private/{}", name);
        let anon_url = format!("s3://public/{}", name);
        let signed = cogtool(with_endpoint(&s, &["validate", "--json", "--full-check", "yes", &signed_url]));
        let anon =
            cogtool(with_endpoint(&s, &["validate", "--json", "--full-check", "yes", "--no-sign-request", &anon_url]));
        for (what, out) in [("signed", &signed), ("anonymous", &anon)] {
            assert_eq!(local.status.code(), out.status.code(), "{name} {what}: {}", text(&out.stderr));
            assert_eq!(comparable_json(&local.stdout), comparable_json(&out.stdout), "{name} {what}");
        }
        let j: serde_json::Value = serde_json::from_slice(&signed.stdout).unwrap();
        assert_eq!(j["requests"], s.gets("private", name).len() as u64, "{name}");
    }
}

#[test]
fn dump_over_s3_matches_local_signed_and_anonymous() {
    let s = S3Server::start();
    let (mut signed, mut anon) = (0, 0);
    for f in fixtures() {
        let name = f.file_name().unwrap().to_str().unwrap();
        s.put_file("private", name, &f);
        s.put_file("public", name, &f);
        let pre = ["--endpoint-url", s.endpoint.as_str()];
        signed += assert_dumps_match_local(&f, &pre, &format!("s3://private/{}", name));
        let pre = ["--endpoint-url", s.endpoint.as_str(), "--no-sign-request"];
        anon += assert_dumps_match_local(&f, &pre, &format!("s3://public/{}", name));
    }
    assert!(signed > 20 && signed == anon, "{signed} {anon}");
}

#[test]
fn dump_request_budgets_over_s3() {
    let s = S3Server::start();
    s.put_file("private", "m.tif", &testdata("remote_mask.tif"));
    let pre = ["--endpoint-url", s.endpoint.as_str()];
    let (code, bytes) = dump_first_tile(&pre, "s3://private/m.tif", 1);
    assert_eq!(code, Some(0));
    assert_eq!(bytes, dump_first_tile(&[], testdata("remote_mask.tif").to_str().unwrap(), 1).1);
    let one = s.gets("private", "m.tif");
    assert!(one.len() <= 2 && one[0].as_deref() == Some("bytes=0-16383"), "{one:?}");
    let got = dump_level(&pre, "s3://private/m.tif", 0, false);
    assert_eq!(got, dump_level(&[], testdata("remote_mask.tif").to_str().unwrap(), 0, false));
    let level: Vec<_> = s.gets("private", "m.tif").into_iter().skip(one.len()).collect();
    // 4 rows of tiles at level 0: the first read and at most 4 more.
    assert!(level.len() - 1 <= 4, "{level:?}");
}

// ---- uploads (library calls; `create` uses the same function) ----

use cogtool::source::OpenOptions;
use cogtool::source::s3_upload::{MIN_PART, upload_file, upload_file_until};

fn options(s: &S3Server) -> OpenOptions {
    isolate_process_env();
    OpenOptions { endpoint_url: Some(s.endpoint.clone()), concurrency: 4, ..OpenOptions::default() }
}

/// A file of `n` pseudo-random bytes (fixed seed).
fn random_file(dir: &std::path::Path, n: usize) -> std::path::PathBuf {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut v = Vec::with_capacity(n);
    while v.len() < n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.extend_from_slice(&x.to_le_bytes());
    }
    v.truncate(n);
    let p = dir.join("upload.bin");
    std::fs::write(&p, v).unwrap();
    p
}

fn open_uploads(s: &S3Server) -> usize {
    // Ask the server itself, over S3: ListMultipartUploads.
    let opts = options(s);
    cogtool::source::runtime::block_on(async {
        let c = cogtool::source::s3::client(&opts).await;
        let out = c.list_multipart_uploads().bucket("private").send().await.expect("ListMultipartUploads");
        out.uploads().len()
    })
}

#[test]
fn multipart_upload_is_byte_identical() {
    let s = S3Server::start();
    let dir = tempfile::tempdir().unwrap();
    let len = 2 * MIN_PART as usize + 12345;
    let f = random_file(dir.path(), len);
    let rep = upload_file(&f, "s3://private/out/big.tif", &options(&s)).unwrap();
    assert_eq!(rep.parts, vec![MIN_PART, MIN_PART, 12345]);
    assert_eq!(rep.bytes, len as u64);
    assert_eq!(std::fs::read(s.object_path("private", "out/big.tif")).unwrap(), std::fs::read(&f).unwrap());
    assert_eq!(open_uploads(&s), 0);
    assert_eq!(s.control.lock().unwrap().parts_received, 3);
}

#[test]
fn small_upload_uses_one_put() {
    let s = S3Server::start();
    let dir = tempfile::tempdir().unwrap();
    let f = random_file(dir.path(), 100_000);
    let rep = upload_file(&f, "s3://private/small.tif", &options(&s)).unwrap();
    assert!(rep.parts.is_empty());
    assert_eq!(std::fs::read(s.object_path("private", "small.tif")).unwrap(), std::fs::read(&f).unwrap());
    assert_eq!(s.control.lock().unwrap().parts_received, 0);
}

#[test]
fn failed_part_aborts_the_upload_and_leaves_nothing() {
    let s = S3Server::start();
    s.control.lock().unwrap().fail_part = Some(2);
    let dir = tempfile::tempdir().unwrap();
    let f = random_file(dir.path(), 3 * MIN_PART as usize);
    let err = upload_file(&f, "s3://private/fail.tif", &options(&s)).unwrap_err();
    assert!(err.message.contains("UploadPart 2") && err.message.contains("injected failure"), "{}", err.message);
    assert_eq!(open_uploads(&s), 0, "ListMultipartUploads must be empty after the abort");
    assert!(!s.object_path("private", "fail.tif").exists(), "no object");
    assert_eq!(s.leftover_parts(), Vec::<String>::new(), "no part files left on the server");
}

#[test]
fn cancelled_upload_is_aborted() {
    // The same path Ctrl-C takes: the cancel future fires while parts are
    // in flight (the server holds the first part 500 ms).
    let s = S3Server::start();
    let (tx, rx) = tokio::sync::oneshot::channel();
    s.control.lock().unwrap().on_first_part = Some(tx);
    let dir = tempfile::tempdir().unwrap();
    let f = random_file(dir.path(), 3 * MIN_PART as usize);
    let err = upload_file_until(&f, "s3://private/cancel.tif", &options(&s), async {
        let _ = rx.await;
    })
    .unwrap_err();
    assert!(err.message.contains("interrupted"), "{}", err.message);
    assert_eq!(open_uploads(&s), 0);
    assert!(!s.object_path("private", "cancel.tif").exists());
}

#[test]
fn denied_upload_fails_with_advice_and_leaves_nothing() {
    // (s3s-fs creates missing buckets on PutObject, so the refusal tested
    // here is the one it does enforce: an unsigned write.)
    let s = S3Server::start();
    let dir = tempfile::tempdir().unwrap();
    for (len, key) in [(1000usize, "small.tif"), (2 * MIN_PART as usize, "big.tif")] {
        let f = random_file(dir.path(), len);
        let opts = OpenOptions { no_sign_request: true, ..options(&s) };
        let url = format!("s3://private/{}", key);
        let err = upload_file(&f, &url, &opts).unwrap_err();
        assert!(err.message.contains(&url) && err.message.contains("access denied"), "{}", err.message);
        assert!(!s.object_path("private", key).exists());
    }
    assert_eq!(open_uploads(&s), 0);
}

#[test]
fn missing_credentials_fail_at_once_with_advice() {
    let s = S3Server::start();
    s.put_file("private", "a.tif", &testdata("remote_small.tif"));
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_cogtool"));
    isolated_env(&mut cmd).env_remove("AWS_ACCESS_KEY_ID").env_remove("AWS_SECRET_ACCESS_KEY");
    let t0 = std::time::Instant::now();
    let out = cmd.args(["info", "--endpoint-url", &s.endpoint, "s3://private/a.tif"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("no AWS credentials found") && err.contains("--no-sign-request"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(s.gets("private", "a.tif").is_empty(), "nothing was sent");
    assert!(t0.elapsed() < std::time::Duration::from_secs(5), "not retried: {:?}", t0.elapsed());
}

#[test]
fn verbose_logs_s3_requests() {
    let s = S3Server::start();
    s.put_file("private", "a.tif", &testdata("remote_mask.tif"));
    let out = cogtool(with_endpoint(&s, &["-v", "info", "s3://private/a.tif"]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    let lines: Vec<&str> = err.lines().filter(|l| l.contains("GET s3://private/a.tif")).collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(lines[0].contains("bytes=0-16383 -> 206, 16384 bytes,") && lines[0].ends_with(" ms"), "{}", lines[0]);
}

#[test]
fn object_replaced_between_reads_is_detected() {
    // s3s-fs ignores If-Match, so this checks the client's own ETag/size
    // comparison: replace the object after the first read, read further.
    use cogtool::source::open;
    let s = S3Server::start();
    s.put_file("private", "a.tif", &testdata("remote_mask.tif"));
    let r = open("s3://private/a.tif", &options(&s)).unwrap();
    assert_eq!(r.len().unwrap(), std::fs::metadata(testdata("remote_mask.tif")).unwrap().len());
    let mut changed = std::fs::read(testdata("remote_mask.tif")).unwrap();
    changed[20000] ^= 0xff;
    std::fs::write(s.object_path("private", "a.tif"), &changed).unwrap();
    let err = r.read_direct(20000, 100).unwrap_err();
    assert!(err.message.contains("changed while it was being read"), "{}", err.message);
}

// ---- cogtool create with S3 input and output ----

use crate::create_support;

/// The files left in a directory (temp files must all be gone).
fn leftovers(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect()
}

/// An input whose uncompressed COG is bigger than two 8 MiB parts.
fn big_input(dir: &std::path::Path) -> std::path::PathBuf {
    let (w, h) = (1800, 1800);
    let p = dir.join("big_in.tif");
    create_support::write_tiff(&p, w, h, 3, 1, 1, &create_support::pixels(w, h, 3, 1, 1), Vec::new());
    p
}

#[test]
fn create_from_s3_input_uses_the_endpoint_and_matches_local() {
    let s = S3Server::start();
    s.put_file("private", "in/m.tif", &testdata("remote_mask.tif"));
    s.put_file("public", "in/m.tif", &testdata("remote_mask.tif"));
    let dir = tempfile::tempdir().unwrap();
    let want = dir.path().join("local.tif");
    let out = cogtool([
        "create",
        "--compress",
        "zstd",
        testdata("remote_mask.tif").to_str().unwrap(),
        want.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for (i, pre) in [vec![], vec!["--no-sign-request"]].into_iter().enumerate() {
        let got = dir.path().join(format!("s3-{}.tif", i));
        let src = if i == 0 { "s3://private/in/m.tif" } else { "s3://public/in/m.tif" };
        let mut args = with_endpoint(&s, &pre);
        args.extend(["create", "--compress", "zstd", src, got.to_str().unwrap()]);
        let out = cogtool(&args);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(std::fs::read(&want).unwrap() == std::fs::read(&got).unwrap(), "{src}: output differs");
    }
    assert!(!s.gets("private", "in/m.tif").is_empty() && !s.gets("public", "in/m.tif").is_empty());
}

#[test]
fn create_to_s3_refuses_an_existing_key_without_overwrite() {
    // (Streamed outputs and their failures: remote_s3_stream.rs.)
    let s = S3Server::start();
    let dir = tempfile::tempdir().unwrap();
    let small = testdata("remote_small.tif");
    let small = small.to_str().unwrap();
    let out = cogtool(with_endpoint(&s, &["create", small, "s3://private/out/small.tif"]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = cogtool(with_endpoint(&s, &["create", "--compress", "zstd", small, "s3://private/out/small.tif"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--overwrite"), "{}", text(&out.stderr));
    let want = dir.path().join("small.tif");
    assert!(cogtool(["create", small, want.to_str().unwrap()]).status.success());
    assert!(std::fs::read(s.object_path("private", "out/small.tif")).unwrap() == std::fs::read(&want).unwrap());
    let args = with_endpoint(&s, &["create", "--overwrite", "--compress", "zstd", small, "s3://private/out/small.tif"]);
    let out = cogtool(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(std::fs::read(s.object_path("private", "out/small.tif")).unwrap() != std::fs::read(&want).unwrap());
    // --verify reads the file back: built locally, checked, then uploaded.
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let args =
        with_endpoint(&s, &["create", "--verify", "--tmpdir", tmp.to_str().unwrap(), small, "s3://private/out/v.tif"]);
    let out = cogtool(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(std::fs::read(s.object_path("private", "out/v.tif")).unwrap() == std::fs::read(&want).unwrap());
    assert!(leftovers(&tmp).is_empty(), "temp files left: {:?}", leftovers(&tmp));
    assert_eq!(open_uploads(&s), 0);
}

#[test]
fn ctrl_c_during_create_to_s3_aborts_the_upload_and_exits_130() {
    let s = S3Server::start();
    let (tx, rx) = tokio::sync::oneshot::channel();
    s.control.lock().unwrap().on_first_part = Some(tx);
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let big = big_input(dir.path());
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_cogtool"));
    isolated_env(&mut cmd);
    cmd.args(with_endpoint(&s, &["create", "--compress", "none", "--tmpdir", tmp.to_str().unwrap()]))
        .args([big.to_str().unwrap(), "s3://private/cancel.tif"])
        .stderr(std::process::Stdio::piped());
    let child = cmd.spawn().unwrap();
    // The server holds the first part; interrupt while it is in flight.
    rx.blocking_recv().expect("a part arrived");
    let st = std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(st.success());
    let out = child.wait_with_output().unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(err.contains("interrupted") && err.contains("aborted"), "{err}");
    assert_eq!(open_uploads(&s), 0, "ListMultipartUploads must be empty after Ctrl-C");
    assert!(!s.object_path("private", "cancel.tif").exists(), "no object");
    assert!(leftovers(&tmp).is_empty(), "temp files left: {:?}", leftovers(&tmp));
}

#[test]
fn create_to_stdout_still_works() {
    let dir = tempfile::tempdir().unwrap();
    let want = dir.path().join("want.tif");
    let input = testdata("remote_mask.tif");
    assert!(cogtool(["create", input.to_str().unwrap(), want.to_str().unwrap()]).status.success());
    let out = cogtool(["create", input.to_str().unwrap(), "-"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(out.stdout == std::fs::read(&want).unwrap());
}

/// A COG warped onto WebMercatorQuad (feature `gdal`) goes to S3 through the
/// same temp-file-then-upload path, byte-identical to the local output.
#[cfg(feature = "gdal")]
#[test]
fn create_web_optimized_to_s3_matches_local() {
    let s = S3Server::start();
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let input = testdata("tms_utm_rgb.tif");
    let want = dir.path().join("want.tif");
    let out = cogtool(["create", "--web-optimized", input.to_str().unwrap(), want.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut args = with_endpoint(&s, &["create", "--web-optimized", "--tmpdir", tmp.to_str().unwrap()]);
    args.extend([input.to_str().unwrap(), "s3://private/out/web.tif"]);
    let out = cogtool(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        std::fs::read(s.object_path("private", "out/web.tif")).unwrap() == std::fs::read(&want).unwrap(),
        "object differs from the local --web-optimized output"
    );
    assert!(leftovers(&tmp).is_empty(), "temp files left: {:?}", leftovers(&tmp));
    assert_eq!(open_uploads(&s), 0);
}

#[test]
fn create_to_s3_without_credentials_says_what_to_set_before_converting() {
    let s = S3Server::start();
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_cogtool"));
    isolated_env(&mut cmd).env_remove("AWS_ACCESS_KEY_ID").env_remove("AWS_SECRET_ACCESS_KEY");
    let small = testdata("remote_small.tif");
    let out = cmd
        .args(["create", "--endpoint-url", &s.endpoint, "--tmpdir", dir.path().to_str().unwrap()])
        .args([small.to_str().unwrap(), "s3://private/out/x.tif"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    for want in [
        "no AWS credentials found",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_PROFILE",
        "--profile",
        "--no-sign-request",
    ] {
        assert!(err.contains(want), "{want}: {err}");
    }
    assert!(!err.contains("dispatch failure") && !err.contains("IMDS"), "{err}");
    assert!(!s.object_path("private", "out/x.tif").exists());
    assert!(leftovers(dir.path()).is_empty(), "{:?}", leftovers(dir.path()));
}

#[test]
fn create_many_inputs_to_an_s3_prefix() {
    // `cp`'s convention with an S3 prefix: each input under its own name,
    // each object the bytes of a local conversion, a failed input reported.
    let s = S3Server::start();
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let (a, b, bad) = (testdata("remote_mask.tif"), testdata("remote_small.tif"), testdata("bad_truncated.tif"));
    let mut args = with_endpoint(&s, &["create", "--tmpdir", tmp.to_str().unwrap()]);
    args.extend([a.to_str().unwrap(), bad.to_str().unwrap(), b.to_str().unwrap(), "s3://private/batch/"]);
    let out = cogtool(&args);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("bad_truncated.tif"), "{}", text(&out.stderr));
    for (input, name) in [(&a, "remote_mask.tif"), (&b, "remote_small.tif")] {
        let want = dir.path().join(name);
        assert!(cogtool(["create", input.to_str().unwrap(), want.to_str().unwrap()]).status.success());
        let got = std::fs::read(s.object_path("private", &format!("batch/{}", name))).unwrap();
        assert!(got == std::fs::read(&want).unwrap(), "{}: the object differs from the local output", name);
    }
    assert!(!s.object_path("private", "batch/bad_truncated.tif").exists(), "no object for the failed input");
    assert_eq!(open_uploads(&s), 0);
    assert!(leftovers(&tmp).is_empty(), "temp files left: {:?}", leftovers(&tmp));
}

#[test]
fn validate_and_info_list_an_s3_prefix() {
    let s = S3Server::start();
    let src = testdata("cog_rgb_deflate.tif");
    for key in ["maps/b.tif", "maps/a.TIFF", "maps/deep/c.tif", "maps/readme.txt", "other/d.tif"] {
        s.put_file("private", key, &src);
    }
    let o = cogtool(with_endpoint(&s, &["validate", "s3://private/maps/"]));
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let lines: Vec<String> = text(&o.stdout).lines().map(String::from).collect();
    assert_eq!(
        lines,
        ["s3://private/maps/a.TIFF: valid", "s3://private/maps/b.tif: valid", "s3://private/maps/deep/c.tif: valid"],
        "the prefix's TIFFs, in key order"
    );
    let o = cogtool(with_endpoint(&s, &["info", "--json", "s3://private/maps/"]));
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(text(&o.stdout).lines().count(), 3);
    let o = cogtool(with_endpoint(&s, &["validate", "s3://nobucket/maps/"]));
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("cannot list s3://nobucket/maps/"), "{}", text(&o.stderr));
}

#[test]
fn validate_and_info_list_a_prefix_on_moto_across_pages() {
    // moto, the second S3 implementation: a prefix of 1,203 keys takes two
    // ListObjectsV2 pages (1,000 keys each); its three TIFFs sit on both.
    let Some(m) = remote_support::moto_server::Moto::start() else { return };
    let cog = std::fs::read(testdata("cog_rgb_deflate.tif")).unwrap();
    m.run(|c| async move {
        use futures::StreamExt;
        let mut keys: Vec<(String, Vec<u8>)> =
            (0..1200).map(|i| (format!("maps/n{:04}.txt", i), b"x".to_vec())).collect();
        for k in ["maps/a.tif", "maps/o.TIFF", "maps/z/c.tif"] {
            keys.push((k.to_string(), cog.clone()));
        }
        futures::stream::iter(keys)
            .for_each_concurrent(32, |(k, body)| {
                let c = c.clone();
                async move {
                    c.put_object()
                        .bucket("private")
                        .key(&k)
                        .body(body.into())
                        .content_type("image/tiff")
                        .send()
                        .await
                        .expect("PutObject");
                }
            })
            .await;
    });
    let ep = m.endpoint.clone();
    let o = cogtool(["--endpoint-url", ep.as_str(), "validate", "s3://private/maps/"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let lines: Vec<String> = text(&o.stdout).lines().map(String::from).collect();
    assert_eq!(
        lines,
        ["s3://private/maps/a.tif: valid", "s3://private/maps/o.TIFF: valid", "s3://private/maps/z/c.tif: valid"],
        "the prefix's TIFFs from both pages, in key order"
    );
    let o = cogtool(["--endpoint-url", ep.as_str(), "info", "--json", "s3://private/maps/"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let local = comparable_json(&cogtool(["info", "--json", testdata("cog_rgb_deflate.tif").to_str().unwrap()]).stdout);
    let got: Vec<&str> = std::str::from_utf8(&o.stdout).unwrap().lines().collect();
    assert_eq!(got.len(), 3);
    for line in got {
        assert_eq!(comparable_json(line.as_bytes()), local, "info over moto equals the local file's");
    }
}
