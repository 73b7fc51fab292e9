//! HTTP(S) sources against a real server on 127.0.0.1 (tests/remote_support):
//! identical `info` output to local reads, the one-request open, retries,
//! and every fault a remote source can have.

use crate::remote_support;

use remote_support::http_server::{Fault, HttpServer};
use remote_support::*;

fn serve(name: &str) -> (HttpServer, String, Vec<u8>) {
    let data = std::fs::read(testdata(name)).unwrap();
    let s = HttpServer::start();
    s.put(name, data.clone());
    let url = s.url(name);
    (s, url, data)
}

#[test]
fn info_json_over_http_matches_local_for_every_fixture() {
    let files = fixtures();
    assert!(files.iter().any(|f| f.ends_with("remote_mask.tif")), "fixtures missing: {files:?}");
    let s = HttpServer::start();
    for f in &files {
        let name = f.file_name().unwrap().to_str().unwrap();
        s.put(name, std::fs::read(f).unwrap());
        let local = cogtool(["info", "--json", f.to_str().unwrap()]);
        let remote = cogtool(["info", "--json", &s.url(name)]);
        assert_eq!(
            local.status.code(),
            remote.status.code(),
            "{name}: exit codes differ\nremote stderr: {}",
            text(&remote.stderr)
        );
        if local.status.success() {
            assert_eq!(comparable_json(&local.stdout), comparable_json(&remote.stdout), "{name}");
            let j: serde_json::Value = serde_json::from_slice(&remote.stdout).unwrap();
            let log = s.log(name);
            assert_eq!(j["requests"], log.len() as u64, "{name}: requests field vs server log");
            let served: usize = log.iter().map(|l| l.body_bytes).sum();
            assert_eq!(j["bytes_fetched"], served as u64, "{name}");
            let lj: serde_json::Value = serde_json::from_slice(&local.stdout).unwrap();
            assert!(lj.get("requests").is_none(), "local info must not report requests");
        }
    }
}

#[test]
fn info_on_cog_with_ifds_in_16k_makes_exactly_one_request() {
    let (s, url, data) = serve("remote_mask.tif");
    assert!(data.len() > 16384, "fixture must be bigger than the first read");
    let out = cogtool(["info", "--json", &url]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let log = s.log("remote_mask.tif");
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0].range.as_deref(), Some("bytes=0-16383"));
    assert_eq!(log[0].if_match, None);
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["requests"], 1);
    assert_eq!(j["bytes_fetched"], 16384);
    assert_eq!(j["file_size"], data.len() as u64, "size must come from Content-Range");
}

#[test]
fn header_bytes_option_sets_the_first_read_and_later_reads_are_pinned() {
    let (s, url, _) = serve("remote_mask.tif");
    let out = cogtool(["info", "--json", "--header-bytes", "512", &url]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let log = s.log("remote_mask.tif");
    assert!(log.len() >= 2, "512 bytes cannot hold the IFDs: {log:?}");
    assert_eq!(log[0].range.as_deref(), Some("bytes=0-511"));
    let etag = format!("\"v1-{}\"", std::fs::metadata(testdata("remote_mask.tif")).unwrap().len());
    for l in &log[1..] {
        assert_eq!(l.if_match.as_deref(), Some(etag.as_str()), "later reads carry If-Match: {l:?}");
        // Header reads grow in chunks of at least --header-bytes.
        let (a, b) = l.range.as_deref().unwrap().trim_start_matches("bytes=").split_once('-').unwrap();
        let n = b.parse::<u64>().unwrap() - a.parse::<u64>().unwrap() + 1;
        assert!(n >= 512, "{l:?}");
    }
    let local = cogtool(["info", "--json", testdata("remote_mask.tif").to_str().unwrap()]);
    assert_eq!(comparable_json(&local.stdout), comparable_json(&out.stdout));
}

#[test]
fn retries_503_then_succeeds() {
    let (s, url, _) = serve("remote_small.tif");
    s.fault("remote_small.tif", Fault::Status { status: 503, times: 2 });
    let out = cogtool(["info", "--json", &url]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let log = s.log("remote_small.tif");
    assert_eq!(log.iter().map(|l| l.status).collect::<Vec<_>>(), vec![503, 503, 206]);
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["requests"], 3, "requests counts retries");
}

#[test]
fn retries_429_and_gives_up_after_retries() {
    let (s, url, _) = serve("remote_small.tif");
    s.fault("remote_small.tif", Fault::Status { status: 429, times: 100 });
    let out = cogtool(["info", "--retries", "2", &url]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(s.log("remote_small.tif").len(), 3, "1 try + 2 retries");
    let err = text(&out.stderr);
    assert!(err.contains("HTTP 429") && err.contains("after 2 retries"), "{err}");
}

#[test]
fn dropped_connection_mid_body_is_retried() {
    let (s, url, data) = serve("remote_mask.tif");
    s.fault("remote_mask.tif", Fault::DropMidBody { times: 1 });
    let out = cogtool(["info", "--json", &url]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let log = s.log("remote_mask.tif");
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(log[0].body_bytes, 8192, "first answer cut in half");
    let local = cogtool(["info", "--json", testdata("remote_mask.tif").to_str().unwrap()]);
    assert_eq!(comparable_json(&local.stdout), comparable_json(&out.stdout));
    let _ = data;
}

#[test]
fn no_retry_on_403_and_message_says_what_may_help() {
    let (s, url, _) = serve("remote_small.tif");
    s.fault("remote_small.tif", Fault::Status { status: 403, times: 100 });
    let out = cogtool(["info", &url]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(s.log("remote_small.tif").len(), 1, "403 is not retried");
    let err = text(&out.stderr);
    assert!(err.contains("403") && err.contains("--header") && err.contains("--no-sign-request"), "{err}");
    assert_eq!(err.lines().count(), 1, "one-line error: {err}");
}

#[test]
fn not_found_names_the_url_and_is_not_retried() {
    let s = HttpServer::start();
    let url = s.url("missing.tif");
    let out = cogtool(["info", &url]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("404") && err.contains(&url), "{err}");
    assert_eq!(s.log("missing.tif").len(), 1);
}

#[test]
fn server_ignoring_range_is_reported_not_downloaded() {
    let (s, url, data) = serve("remote_mask.tif");
    s.fault("remote_mask.tif", Fault::IgnoreRange);
    let out = cogtool(["info", "--json", &url]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("ignores Range") && err.contains(&data.len().to_string()), "{err}");
    assert_eq!(s.log("remote_mask.tif").len(), 1, "no retry, no second try");
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(j["error"].as_str().unwrap().contains("ignores Range"));
}

#[test]
fn small_object_answered_whole_is_fine() {
    // remote_small.tif (< 16 KiB) fits in the first read: a 200 with the
    // whole body is exactly what was asked for.
    let (s, url, data) = serve("remote_small.tif");
    assert!(data.len() < 16384);
    s.fault("remote_small.tif", Fault::IgnoreRange);
    let out = cogtool(["info", "--json", &url]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let local = cogtool(["info", "--json", testdata("remote_small.tif").to_str().unwrap()]);
    assert_eq!(comparable_json(&local.stdout), comparable_json(&out.stdout));
}

#[test]
fn object_changing_between_requests_is_a_clear_error() {
    let (s, url, _) = serve("remote_mask.tif");
    s.fault("remote_mask.tif", Fault::ChangeAfterFirst);
    let out = cogtool(["info", "--header-bytes", "512", &url]);
    assert_eq!(out.status.code(), Some(2), "stdout: {}", text(&out.stdout));
    let err = text(&out.stderr);
    assert!(err.contains("changed while it was being read"), "{err}");
    let log = s.log("remote_mask.tif");
    assert_eq!(log.last().unwrap().status, 412, "{log:?}");
    assert_eq!(log.len(), 2, "412 is not retried: {log:?}");
}

#[test]
fn header_option_is_sent() {
    let (s, url, _) = serve("remote_small.tif");
    s.fault("remote_small.tif", Fault::RequireHeader { name: "Authorization".into(), value: "Bearer t0ken".into() });
    let out = cogtool(["info", &url]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("401"), "{}", text(&out.stderr));
    let out = cogtool(["info", "--header", "Authorization: Bearer t0ken", &url]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = cogtool(["info", "--header", "no colon here", &url]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("Name: value"), "{}", text(&out.stderr));
}

#[test]
fn verbose_logs_each_request() {
    let (_s, url, _) = serve("remote_small.tif");
    let out = cogtool(["-v", "info", &url]);
    assert!(out.status.success());
    let err = text(&out.stderr);
    let lines: Vec<&str> = err.lines().filter(|l| l.contains("GET ")).collect();
    assert_eq!(lines.len(), 1, "{err}");
    let l = lines[0];
    assert!(
        l.contains(&url)
            && l.contains("bytes=0-16383")
            && l.contains("-> 206")
            && l.contains(" bytes,")
            && l.ends_with(" ms"),
        "{l}"
    );
}

#[test]
fn unreachable_server_fails_after_retries() {
    // A port nobody listens on: connection refused, retried, then reported.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{}/x.tif", port);
    let out = cogtool(["info", "--retries", "1", &url]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("cannot connect") && err.contains("after 1 retries"), "{err}");
}

#[test]
fn read_many_merges_close_ranges_and_matches_local_bytes() {
    use cogtool::source::{OpenOptions, open};
    let (s, url, data) = serve("remote_mask.tif");
    let r = open(&url, &OpenOptions::default()).unwrap();
    assert_eq!(r.len().unwrap(), data.len() as u64);
    // Three close ranges past the first read (one merged request), one far
    // away (its own request), one inside the first read (no request).
    let ranges = vec![20000..21000, 21500..22000, 30000..30100, 70000..71000, 100..200];
    let got = r.read_many(&ranges).unwrap();
    for (rg, g) in ranges.iter().zip(&got) {
        assert_eq!(&data[rg.start as usize..rg.end as usize], g.as_slice(), "{rg:?}");
    }
    let log = s.log("remote_mask.tif");
    let mut fetched: Vec<&str> = log.iter().skip(1).map(|l| l.range.as_deref().unwrap()).collect();
    fetched.sort();
    assert_eq!(fetched, vec!["bytes=20000-30099", "bytes=70000-70999"], "{log:?}");
    assert_eq!(r.stats().requests, 3);
    // Past the end is an error, not a short read.
    assert!(r.read_many(std::slice::from_ref(&(70000..(data.len() as u64 + 1)))).is_err());
}

#[test]
fn read_many_runs_requests_concurrently_up_to_the_limit() {
    use cogtool::source::{OpenOptions, open};
    let (s, url, data) = serve("remote_mask.tif");
    let opts = OpenOptions { concurrency: 3, ..OpenOptions::default() };
    let r = open(&url, &opts).unwrap();
    r.len().unwrap();
    s.set_delay(std::time::Duration::from_millis(150));
    // Four ranges more than 16 KiB apart: none merge, four requests.
    let ranges: Vec<_> = (0..4u64).map(|i| 16500 + i * 17100..16500 + i * 17100 + 100).collect();
    assert!(ranges.last().unwrap().end as usize <= data.len());
    let got = r.read_many(&ranges).unwrap();
    for (rg, g) in ranges.iter().zip(&got) {
        assert_eq!(&data[rg.start as usize..rg.end as usize], g.as_slice());
    }
    assert_eq!(s.log("remote_mask.tif").len(), 1 + ranges.len());
    assert_eq!(s.max_in_flight(), 3, "--concurrency 3: three requests at once, never more");
}

#[test]
fn validate_json_over_http_matches_local_and_counts_requests() {
    let s = HttpServer::start();
    for f in fixtures() {
        let name = f.file_name().unwrap().to_str().unwrap().to_string();
        s.put(&name, std::fs::read(&f).unwrap());
        // Full check on both sides so the findings are the same work.
        let local = cogtool(["validate", "--json", "--full-check", "yes", f.to_str().unwrap()]);
        let remote = cogtool(["validate", "--json", "--full-check", "yes", &s.url(&name)]);
        assert_eq!(local.status.code(), remote.status.code(), "{name}: exit codes differ: {}", text(&remote.stderr));
        let strip = |o: &[u8]| {
            let mut j: serde_json::Value = serde_json::from_slice(o).unwrap();
            let m = j.as_object_mut().unwrap();
            m.remove("path");
            m.remove("requests");
            m.remove("bytes_fetched");
            j
        };
        assert_eq!(strip(&local.stdout), strip(&remote.stdout), "{name}");
        let j: serde_json::Value = serde_json::from_slice(&remote.stdout).unwrap();
        assert_eq!(j["requests"], s.log(&name).len() as u64, "{name}: requests field vs server log");
        let lj: serde_json::Value = serde_json::from_slice(&local.stdout).unwrap();
        assert!(lj.get("requests").is_none(), "local validate must not report requests");
    }
}

// ---- dump over HTTP: request budgets and identical bytes ----

/// Parse `bytes=A-B` into (A, B inclusive).
fn span(l: &remote_support::http_server::Logged) -> (u64, u64) {
    let (a, b) = l.range.as_deref().unwrap().trim_start_matches("bytes=").split_once('-').unwrap();
    (a.parse().unwrap(), b.parse().unwrap())
}

#[test]
fn dump_of_one_tile_makes_at_most_two_requests() {
    let (s, url, data) = serve("remote_mask.tif");
    let local = testdata("remote_mask.tif");
    // The last tile of level 0 lies well past the first 16 KiB.
    let facts = cogtool(["dump", "--json", "--xyz", "4", "3", "0", local.to_str().unwrap()]);
    let facts: serde_json::Value = serde_json::from_slice(&facts.stdout).unwrap();
    assert!(facts["offset"].as_u64().unwrap() > 16384, "{facts}");
    for (mask, xyz) in [(false, ["4", "3", "0"]), (true, ["4", "3", "0"]), (false, ["2", "1", "1"])] {
        let before = s.log("remote_mask.tif").len();
        let mut args = vec!["dump", "--xyz", xyz[0], xyz[1], xyz[2], "-o", "-", &url];
        let mut largs = vec!["dump", "--xyz", xyz[0], xyz[1], xyz[2], "-o", "-", local.to_str().unwrap()];
        if mask {
            args.push("--mask");
            largs.push("--mask");
        }
        let out = cogtool(&args);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let want = cogtool(&largs);
        assert!(!want.stdout.is_empty() && out.stdout == want.stdout, "{xyz:?} mask {mask}: bytes differ");
        let log: Vec<_> = s.log("remote_mask.tif").into_iter().skip(before).collect();
        assert!(log.len() <= 2, "{xyz:?} mask {mask}: {log:?}");
        assert_eq!(log[0].range.as_deref(), Some("bytes=0-16383"));
        if log.len() == 2 {
            // The tile read asks for the tile (plus GDAL's 4-byte leader and
            // trailer at most), not a big chunk.
            let (a, b) = span(&log[1]);
            assert!(b - a < out.stdout.len() as u64 + 8 && (b as usize) < data.len(), "{log:?}");
        }
    }
    // remote_small.tif fits in the first read: one request in all.
    let (s, url, _) = serve("remote_small.tif");
    let out = cogtool(["dump", "--xyz", "3", "3", "0", "-o", "-", &url]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(s.log("remote_small.tif").len(), 1);
}

#[test]
fn bulk_dump_of_a_level_makes_at_most_one_request_per_tile_row() {
    let (s, url, _) = serve("remote_mask.tif");
    let local = testdata("remote_mask.tif");
    for (z, mask, rows) in [(0usize, false, 4usize), (0, true, 4), (1, false, 2)] {
        let before = s.log("remote_mask.tif").len();
        let got = dump_level(&[], &url, z, mask);
        let want = dump_level(&[], local.to_str().unwrap(), z, mask);
        assert_eq!(got.code, Some(0));
        assert!(!want.files.is_empty() && got == want, "z{z} mask {mask}");
        let log: Vec<_> = s.log("remote_mask.tif").into_iter().skip(before).collect();
        assert_eq!(log[0].range.as_deref(), Some("bytes=0-16383"), "{log:?}");
        assert!(
            log.len() - 1 <= rows,
            "z{z} mask {mask}: {} requests after the header for {rows} rows: {log:?}",
            log.len() - 1
        );
        assert!(log.iter().all(|l| l.status == 206), "{log:?}");
        let bytes: usize = log.iter().map(|l| l.body_bytes).sum();
        println!("level {z} mask {mask}: {} requests, {bytes} bytes, {} tiles", log.len(), got.files.len());
    }
}

#[test]
fn bulk_dump_requests_run_concurrently_up_to_the_limit() {
    // A tile list of far-apart tiles (separate requests) and a slow server:
    // --concurrency 2 keeps two requests in flight, never more.
    let (s, url, _) = serve("remote_mask.tif");
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("tiles.txt");
    // Tiles of level 0 in different rows of the file, more than 16 KiB apart.
    std::fs::write(&list, "4 0 0\n2 2 0\n4 3 0\n0 3 0\n").unwrap(); // x y z
    s.set_delay(std::time::Duration::from_millis(150));
    let out_dir = dir.path().join("out");
    let out = cogtool([
        "--concurrency",
        "2",
        "dump",
        "--tiles",
        list.to_str().unwrap(),
        "-o",
        out_dir.to_str().unwrap(),
        &url,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(read_tree(&out_dir).len(), 4);
    let log = s.log("remote_mask.tif");
    assert!(log.len() >= 3, "{log:?}");
    assert_eq!(s.max_in_flight(), 2, "{log:?}");
}

#[test]
fn dump_over_http_matches_local_for_every_fixture() {
    let s = HttpServer::start();
    let mut nonempty = 0;
    for f in fixtures() {
        let name = f.file_name().unwrap().to_str().unwrap();
        s.put(name, std::fs::read(&f).unwrap());
        nonempty += assert_dumps_match_local(&f, &[], &s.url(name));
    }
    assert!(nonempty > 20, "only {nonempty} dumps wrote tiles");
}

#[test]
fn verbose_dump_logs_each_request() {
    let (s, url, _) = serve("remote_mask.tif");
    let dir = tempfile::tempdir().unwrap();
    let out = cogtool(["-v", "dump", "--level", "0", "--all", "-o", dir.path().to_str().unwrap(), &url]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("cogtool: GET ")).collect();
    assert_eq!(lines.len(), s.log("remote_mask.tif").len(), "{err}");
    for l in &lines {
        assert!(l.contains(&url) && l.contains(" bytes=") && l.contains("-> 206,") && l.ends_with(" ms"), "{l}");
    }
}

// ---- create with a remote INPUT ----

#[test]
fn create_from_http_input_uses_the_remote_options_and_matches_local() {
    let (s, url, _) = serve("remote_mask.tif");
    // The server demands a token: only the global --header gets it there.
    s.fault("remote_mask.tif", Fault::RequireHeader { name: "Authorization".into(), value: "Bearer t0ken".into() });
    let dir = tempfile::tempdir().unwrap();
    let (want, got) = (dir.path().join("local.tif"), dir.path().join("http.tif"));
    let out = cogtool(["create", testdata("remote_mask.tif").to_str().unwrap(), want.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = cogtool(["create", &url, got.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "no token, no input");
    assert!(text(&out.stderr).contains("401"), "{}", text(&out.stderr));
    assert!(!got.exists());
    let out = cogtool(["--header", "Authorization: Bearer t0ken", "create", &url, got.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(std::fs::read(&want).unwrap() == std::fs::read(&got).unwrap(), "create output differs");
    // Reads of the input are pinned and ranged, like any remote read.
    let log = s.log("remote_mask.tif");
    assert!(log.iter().filter(|l| l.status == 206).count() >= 1 && log.iter().all(|l| l.range.is_some()), "{log:?}");
    // The first try was refused (401). Then: the first read, and one
    // prefetch of the band's image blocks and one of its mask blocks
    // (200 rows: a single band of 512-row blocks), instead of one request
    // per block (40 blocks past the first 16 KiB).
    assert_eq!(log[0].status, 401);
    assert!(log.len() - 1 <= 3, "{} requests: {log:?}", log.len() - 1);
}

#[test]
fn create_refuses_an_http_output() {
    let s = HttpServer::start();
    let out = cogtool(["create", testdata("remote_small.tif").to_str().unwrap(), &s.url("out.tif")]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("s3://bucket/key") && err.contains("not supported"), "{err}");
    assert!(s.log("out.tif").is_empty(), "nothing is sent");
}

#[test]
fn prefetched_ranges_serve_later_direct_reads_without_requests() {
    use cogtool::source::{OpenOptions, open};
    let (s, url, data) = serve("remote_mask.tif");
    let r = open(&url, &OpenOptions::default()).unwrap();
    r.prefetch(&[20000..21000, 21500..22000, 60000..61000]).unwrap();
    let after_prefetch = s.log("remote_mask.tif").len();
    assert_eq!(after_prefetch, 3, "first read + two merged spans");
    for (a, n) in [(20000u64, 1000usize), (21600, 300), (60500, 500)] {
        assert_eq!(r.read_direct(a, n).unwrap(), &data[a as usize..a as usize + n]);
    }
    assert_eq!(s.log("remote_mask.tif").len(), after_prefetch, "served from the prefetched spans");
    // Outside them: a request. A new prefetch replaces the old spans.
    r.read_direct(40000, 10).unwrap();
    r.prefetch(&[]).unwrap();
    r.read_direct(20000, 10).unwrap();
    assert_eq!(s.log("remote_mask.tif").len(), after_prefetch + 2);
}

#[test]
fn create_over_http_matches_local_for_varied_inputs() {
    // Planar=separate, strips, sparse blocks, packed bits, masks: the
    // prefetch must cover every block the decoder then asks for.
    let s = HttpServer::start();
    let dir = tempfile::tempdir().unwrap();
    let mut compared = 0;
    for name in [
        "dump_planar.tif",
        "striped.tif",
        "codec_sparse_nodata.tif",
        "codec_nbits4_separate.tif",
        "cog_mask_jpeg.tif",
        "cog_rgb_deflate.tif",
        "tiled_bigendian.tif",
    ] {
        let f = testdata(name);
        s.put(name, std::fs::read(&f).unwrap());
        let (want, got) = (dir.path().join(format!("l-{name}")), dir.path().join(format!("h-{name}")));
        let l = cogtool(["create", "--compress", "deflate", f.to_str().unwrap(), want.to_str().unwrap()]);
        let h = cogtool(["create", "--compress", "deflate", &s.url(name), got.to_str().unwrap()]);
        assert_eq!(l.status.code(), h.status.code(), "{name}: {}", text(&h.stderr));
        if l.status.success() {
            assert!(std::fs::read(&want).unwrap() == std::fs::read(&got).unwrap(), "{name}: outputs differ");
            compared += 1;
        }
    }
    assert!(compared >= 5, "{compared}");
}

#[test]
fn create_repacks_a_remote_input_a_tile_row_per_request() {
    // Every level's stored tiles fit: they are copied, one merged read per
    // tile row (2 + 1 + 1 rows here; the edited tile of row 0 lies at the
    // end of the file, a second read), and nothing is decoded.
    let (s, url, _) = serve("repack_edited.tif");
    let dir = tempfile::tempdir().unwrap();
    let (want, got) = (dir.path().join("local.tif"), dir.path().join("http.tif"));
    let args = ["--compress", "deflate", "--blocksize", "256", "-v"];
    let l = cogtool(
        [&["create", testdata("repack_edited.tif").to_str().unwrap(), want.to_str().unwrap()], &args[..]].concat(),
    );
    assert!(l.status.success(), "{}", text(&l.stderr));
    let h = cogtool([&["create", &url, got.to_str().unwrap()], &args[..]].concat());
    assert!(h.status.success(), "{}", text(&h.stderr));
    assert_eq!(text(&h.stderr).matches("tiles copied from the input").count(), 3, "{}", text(&h.stderr));
    assert!(std::fs::read(&want).unwrap() == std::fs::read(&got).unwrap(), "create output differs");
    let log = s.log("repack_edited.tif");
    assert_eq!(log.len(), 1 + 5, "the header, then one read per tile row and one for the edited tile: {log:?}");
}

#[test]
fn validate_rules_ogc_asks_the_server_about_ranges_and_cors() {
    let (s, url, _) = serve("cog_rgb_deflate.tif");
    let run = |url: &str| {
        let o = cogtool(["validate", "--rules", "ogc", "--json", url]);
        let v: serde_json::Value = serde_json::from_str(text(&o.stdout).trim()).unwrap();
        let ids = |k: &str| -> Vec<String> {
            v[k].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap().to_string()).collect()
        };
        (o.status.code(), ids("errors"), ids("infos"))
    };
    // Ranges served, no CORS: plain HTTP only gets an info about it.
    let (code, errors, infos) = run(&url);
    assert_eq!(code, Some(0), "{errors:?}");
    assert!(infos.contains(&"ogc-http-range-https-headers".to_string()), "{infos:?}");
    let probes: Vec<_> =
        s.log("cog_rgb_deflate.tif").into_iter().filter(|l| l.range.as_deref() == Some("bytes=0-0")).collect();
    assert_eq!(probes.len(), 1, "one ranged GET probes the server");
    // A CORS preflight that allows Range: nothing to say.
    s.set_cors(Some("Range, If-Match"));
    let (code, errors, infos) = run(&url);
    assert_eq!(code, Some(0));
    assert!(errors.is_empty() && !infos.contains(&"ogc-http-range-https-headers".to_string()), "{infos:?}");
    // CORS without Range in the allowed headers is not enough.
    s.set_cors(Some("If-Match"));
    let (_, _, infos) = run(&url);
    assert!(infos.contains(&"ogc-http-range-https-headers".to_string()), "{infos:?}");
    // A server that ignores Range breaks the class's first requirement.
    s.fault("cog_rgb_deflate.tif", Fault::IgnoreRange);
    let (code, errors, _) = run(&url);
    assert_eq!(code, Some(1));
    assert!(errors.contains(&"ogc-http-range-range".to_string()), "{errors:?}");
}

#[test]
fn many_remote_sources_are_checked_concurrently_and_printed_in_order() {
    let s = HttpServer::start();
    let data = std::fs::read(testdata("cog_rgb_deflate.tif")).unwrap();
    let urls: Vec<String> = (0..40)
        .map(|i| {
            let name = format!("c{:02}.tif", i);
            s.put(&name, data.clone());
            s.url(&name)
        })
        .collect();
    s.set_delay(std::time::Duration::from_millis(50));
    let mut args = vec!["--concurrency".to_string(), "16".into(), "validate".into()];
    args.extend(urls.iter().cloned());
    let o = cogtool(&args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let got: Vec<String> = text(&o.stdout).lines().map(|l| l.trim_end_matches(": valid").to_string()).collect();
    assert_eq!(got, urls, "input order");
    assert!(s.max_in_flight() >= 12, "only {} requests in flight at once", s.max_in_flight());
    let mut args = vec!["--concurrency".to_string(), "16".into(), "info".into(), "--json".into()];
    args.extend(urls.iter().cloned());
    let o = cogtool(&args);
    assert_eq!(o.status.code(), Some(0));
    let paths: Vec<String> = text(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(paths, urls);
}
