//! `gs://` and `az://` against gcp-storage-emulator and Azurite on
//! 127.0.0.1, each behind a counting proxy: `info --json`, `validate
//! --json` and `dump` answers equal the local ones for every fixture; one
//! request opens a COG with a small header; `create` writes the local
//! output's bytes for several option sets, while computing; a refused
//! upload and Ctrl-C leave no object, no temporary object and no
//! uncommitted block; an existing object is kept without --overwrite.

use crate::remote_support;

use remote_support::cloud_emulators::{Azurite, GcsEmulator, Proxy, Refuse};
use remote_support::*;
use std::path::PathBuf;

/// One of the two clouds, as the tests see it: where cogtool reads and
/// writes, how to put a fixture there, what is stored.
enum Cloud {
    Gcs(GcsEmulator),
    Azure(Azurite),
}

impl Cloud {
    fn scheme(&self) -> &'static str {
        match self {
            Cloud::Gcs(_) => "gs://bkt/",
            Cloud::Azure(_) => "az://cont/",
        }
    }
    fn env(&self) -> Vec<(String, String)> {
        match self {
            Cloud::Gcs(g) => g.env(),
            Cloud::Azure(a) => a.env(),
        }
    }
    fn proxy(&self) -> &Proxy {
        match self {
            Cloud::Gcs(g) => &g.proxy,
            Cloud::Azure(a) => &a.proxy,
        }
    }
    fn put(&self, name: &str, data: &[u8]) {
        match self {
            Cloud::Gcs(g) => g.put(name, data),
            Cloud::Azure(a) => a.put(name, data),
        }
    }
    fn get(&self, name: &str) -> Option<Vec<u8>> {
        match self {
            Cloud::Gcs(g) => g.get(name),
            Cloud::Azure(a) => a.get(name),
        }
    }
    /// Every name stored, blobs with only uncommitted blocks included.
    fn names(&self) -> Vec<String> {
        match self {
            Cloud::Gcs(g) => g.names(),
            Cloud::Azure(a) => a.names_with_uncommitted(),
        }
    }
    /// Uncommitted blocks of a blob (Azure; none elsewhere).
    fn blocks(&self, name: &str) -> usize {
        match self {
            Cloud::Gcs(_) => 0,
            Cloud::Azure(a) => a.uncommitted_blocks(name).unwrap_or(0),
        }
    }
    /// What a part upload looks like in the proxy's log (method, path part).
    fn part(&self) -> (&'static str, &'static str) {
        match self {
            Cloud::Gcs(_) => ("POST", ".cogtool-"),
            Cloud::Azure(_) => ("PUT", "comp=block&"),
        }
    }
}

fn clouds() -> Vec<Cloud> {
    GcsEmulator::start().map(Cloud::Gcs).into_iter().chain(Azurite::start().map(Cloud::Azure)).collect()
}

#[test]
fn reads_from_both_clouds_equal_local_reads() {
    for c in clouds() {
        let proxy = c.proxy();
        with_env(&c.env(), || {
            let mut dumped = 0;
            for f in fixtures() {
                let name = f.file_name().unwrap().to_str().unwrap().to_string();
                let data = std::fs::read(&f).unwrap();
                if data.is_empty() && matches!(c, Cloud::Gcs(_)) {
                    // gcp-storage-emulator drops the connection of an empty
                    // media upload; an empty object is read on Azurite.
                    continue;
                }
                c.put(&format!("fx/{}", name), &data);
                let url = format!("{}fx/{}", c.scheme(), name);
                let local = cogtool(["info", "--json", f.to_str().unwrap()]);
                let remote = cogtool(["info", "--json", &url]);
                assert_eq!(local.status.code(), remote.status.code(), "{url}: {}", text(&remote.stderr));
                if local.status.success() {
                    assert_eq!(comparable_json(&local.stdout), comparable_json(&remote.stdout), "{url}: info --json");
                }
                let local = cogtool(["validate", "--json", "--full-check", "yes", f.to_str().unwrap()]);
                let _ = proxy.take();
                let remote = cogtool(["validate", "--json", "--full-check", "yes", &url]);
                assert_eq!(local.status.code(), remote.status.code(), "{url}: {}", text(&remote.stderr));
                assert_eq!(comparable_json(&local.stdout), comparable_json(&remote.stdout), "{url}: validate --json");
                // The requests cogtool counts are the requests the cloud got.
                let j: serde_json::Value = serde_json::from_slice(&remote.stdout).unwrap();
                assert_eq!(j["requests"], proxy.take().len() as u64, "{url}: requests");
                dumped += assert_dumps_match_local(&f, &[], &url);
            }
            assert!(dumped > 10, "dumps wrote tiles");
            // One request opens a COG whose header fits the first read.
            let _ = proxy.take();
            let out = cogtool(["info", &format!("{}fx/remote_mask.tif", c.scheme())]);
            assert!(out.status.success(), "{}", text(&out.stderr));
            let seen = proxy.take();
            assert_eq!(seen.len(), 1, "{}: one GET to open: {:?}", c.scheme(), seen);
            // A prefix lists the TIFFs under it.
            let listed = cogtool(["validate", "--json", &format!("{}fx/", c.scheme())]);
            let lines = text(&listed.stdout).lines().count();
            let stored = c.names().iter().filter(|n| n.starts_with("fx/")).count();
            assert_eq!(lines, stored, "{}: one verdict per listed TIFF", c.scheme());
            assert!(
                stored + 1 >= fixtures().len(),
                "{}: {} of {} fixtures stored",
                c.scheme(),
                stored,
                fixtures().len()
            );
            // A missing object is named.
            let out = cogtool(["info", &format!("{}fx/absent.tif", c.scheme())]);
            assert_ne!(out.status.code(), Some(0));
            assert!(
                text(&out.stderr).contains("absent.tif") && text(&out.stderr).contains("404"),
                "{}",
                text(&out.stderr)
            );
        });
    }
}

#[test]
fn create_streams_the_local_bytes_to_both_clouds() {
    let dir = tempfile::tempdir().unwrap();
    let big = big_input(dir.path(), 2600);
    let sets: Vec<(PathBuf, Vec<&str>)> = vec![
        (big.clone(), vec!["--compress", "none"]),
        (big.clone(), vec!["--compress", "deflate", "--interleave", "band", "--resampling", "cubic"]),
        (testdata("remote_mask.tif"), vec!["--compress", "zstd"]),
        (testdata("striped.tif"), vec![]),
    ];
    let wants: Vec<Vec<u8>> = sets.iter().map(|(i, e)| local_cog(i, e, &dir.path().join("want.tif"))).collect();
    for c in clouds() {
        let proxy = c.proxy();
        with_env(&c.env(), || {
            for ((input, extra), want) in sets.iter().zip(&wants) {
                let url = format!("{}out/o.tif", c.scheme());
                let mut args = vec!["create", "-v", "--overwrite"];
                args.extend_from_slice(extra);
                args.extend([input.to_str().unwrap(), &url]);
                let _ = proxy.take();
                let out = cogtool(&args);
                assert!(out.status.success(), "{} {:?}: {}", c.scheme(), extra, text(&out.stderr));
                assert!(c.get("out/o.tif").as_ref() == Some(want), "{} {:?}: the object differs", c.scheme(), extra);
                assert_eq!(c.names().iter().filter(|n| n.starts_with("out/")).count(), 1, "{}: leftovers", c.scheme());
                // Parts went up while the pyramid was computed: the first one
                // before the last request.
                let seen = proxy.take();
                let parts = seen.iter().filter(|s| s.method == c.part().0 && s.path.contains(c.part().1)).count();
                if want.len() > 16 << 20 {
                    assert!(parts >= 2, "{} {:?}: {} parts", c.scheme(), extra, parts);
                }
            }
            // Without --overwrite the existing object is refused, and kept.
            let out = cogtool(["create", big.to_str().unwrap(), &format!("{}out/o.tif", c.scheme())]);
            assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
            assert!(text(&out.stderr).contains("--overwrite"), "{}", text(&out.stderr));
            assert!(c.get("out/o.tif").as_ref() == wants.last(), "{}: kept", c.scheme());
            // Several inputs into a prefix, as into a directory.
            let prefix = format!("{}batch/", c.scheme());
            let a = testdata("striped.tif");
            let b = testdata("remote_mask.tif");
            let out = cogtool(["create", a.to_str().unwrap(), b.to_str().unwrap(), &prefix]);
            assert!(out.status.success(), "{}", text(&out.stderr));
            assert!(c.get("batch/striped.tif").is_some() && c.get("batch/remote_mask.tif").is_some());
        });
    }
}

#[test]
fn refused_uploads_and_ctrl_c_leave_nothing_in_either_cloud() {
    let dir = tempfile::tempdir().unwrap();
    let big = big_input(dir.path(), 2600);
    for c in clouds() {
        let proxy = c.proxy();
        // A part refused after two went up: the run fails, naming the URL,
        // and what was sent is removed.
        *proxy.refuse.lock().unwrap() =
            Some(Refuse { method: c.part().0.into(), needle: c.part().1.into(), after: 2, status: 400 });
        let url = format!("{}fail/o.tif", c.scheme());
        let out = with_env(&c.env(), || {
            cogtool(["create", "--retries", "0", "--compress", "none", big.to_str().unwrap(), &url])
        });
        assert_ne!(out.status.code(), Some(0));
        let err = text(&out.stderr);
        assert!(err.contains("fail/o.tif") && err.contains("HTTP 400: refused by the test proxy"), "{err}");
        *proxy.refuse.lock().unwrap() = None;
        assert!(c.names().iter().all(|n| !n.starts_with("fail/")), "{}: left {:?}", c.scheme(), c.names());
        assert_eq!(c.blocks("fail/o.tif"), 0, "{}: uncommitted blocks left", c.scheme());
        // Ctrl-C once a part is up: exit 130, nothing left.
        let _ = proxy.take();
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_cogtool"));
        isolated_env(&mut cmd);
        cmd.envs(c.env())
            .args(["create", "--compress", "none", big.to_str().unwrap(), &format!("{}cancel/o.tif", c.scheme())])
            .stderr(std::process::Stdio::piped());
        let child = cmd.spawn().unwrap();
        let t0 = std::time::Instant::now();
        while !proxy.seen.lock().unwrap().iter().any(|s| s.method == c.part().0 && s.path.contains(c.part().1)) {
            assert!(t0.elapsed().as_secs() < 60, "{}: no part went up", c.scheme());
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let st = std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
        assert!(st.success());
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(130), "{}: {}", c.scheme(), text(&out.stderr));
        assert!(c.names().iter().all(|n| !n.starts_with("cancel/")), "{}: left {:?}", c.scheme(), c.names());
        assert_eq!(c.blocks("cancel/o.tif"), 0, "{}: uncommitted blocks left", c.scheme());
    }
}

#[test]
fn missing_or_wrong_credentials_say_what_to_set() {
    // No account anywhere: the message names the variables.
    let out = cogtool(["info", "az://cont/x.tif"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("AZURE_STORAGE_ACCOUNT"), "{}", text(&out.stderr));
    let out = cogtool_env(["info", "gs://b/x.tif"], &[("GOOGLE_APPLICATION_CREDENTIALS", "/nonexistent/key.json")]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("GOOGLE_APPLICATION_CREDENTIALS=/nonexistent/key.json"),
        "{}",
        text(&out.stderr)
    );
    if let Some(a) = Azurite::start() {
        a.put("x.tif", &std::fs::read(testdata("striped.tif")).unwrap());
        let cs = format!(
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={};BlobEndpoint=http://127.0.0.1:{}/devstoreaccount1;",
            aws_smithy_types::base64::encode(b"not the key"),
            a.port
        );
        let out = cogtool_env(["info", "az://cont/x.tif"], &[("AZURE_STORAGE_CONNECTION_STRING", &cs)]);
        assert_ne!(out.status.code(), Some(0));
        let err = text(&out.stderr);
        assert!(err.contains("403") && err.contains("AZURE_STORAGE_CONNECTION_STRING"), "{err}");
        // Anonymous (the container is private): denied, with what to set.
        let out = with_env(&a.env(), || cogtool(["--no-sign-request", "info", "az://cont/x.tif"]));
        let err = text(&out.stderr);
        assert!(err.contains("anonymous") && err.contains("AZURE_STORAGE_KEY"), "{err}");
    }
}

/// An object replaced between two reads of one run stops the run, never
/// mixes two versions: Azure pins reads to the ETag (If-Match), Google to
/// the generation (ifGenerationMatch; the emulator reports none, so the
/// proxy adds Google's header).
#[test]
fn an_object_replaced_between_reads_is_never_mixed() {
    isolate_process_env();
    let opts = cogtool::source::OpenOptions { header_bytes: 1024, ..Default::default() };
    for c in clouds() {
        let (name, value) = c.env().remove(0);
        // SAFETY: only this test reads these variables in-process.
        unsafe { std::env::set_var(&name, &value) };
        c.put("pin.tif", &std::fs::read(testdata("striped.tif")).unwrap());
        if let Cloud::Gcs(g) = &c {
            *g.proxy.add_header.lock().unwrap() = Some("x-goog-generation: 1".into());
        }
        let url = format!("{}pin.tif", c.scheme());
        let r = cogtool::source::open(&url, &opts).unwrap();
        assert!(r.read_direct(0, 16).is_ok());
        c.put("pin.tif", &std::fs::read(testdata("remote_mask.tif")).unwrap());
        if let Cloud::Gcs(g) = &c {
            *g.proxy.add_header.lock().unwrap() = Some("x-goog-generation: 2".into());
        }
        let _ = c.proxy().take();
        let e = r.read_direct(4096, 64).unwrap_err();
        assert!(e.message.contains("changed"), "{}: {}", c.scheme(), e.message);
        if let Cloud::Gcs(_) = &c {
            let seen = c.proxy().take();
            assert!(!seen.is_empty() && seen.iter().all(|s| s.path.contains("ifGenerationMatch=1")), "{:?}", seen);
        }
        unsafe { std::env::remove_var(&name) };
    }
}

#[test]
fn parts_staged_in_both_clouds_assemble_into_the_object() {
    let dir = tempfile::tempdir().unwrap();
    let input = big_input(dir.path(), 2600);
    let opts = ["--overview-resampling", "cubic", "--compress", "deflate"];
    let want = local_cog(&input, &opts, &dir.path().join("single.tif"));
    for c in clouds() {
        with_env(&c.env(), || {
            let url = format!("{}dist/huge.tif", c.scheme());
            // Two parts, both with tiles: gcp-storage-emulator drops empty
            // uploads (Google does not), and a part beyond the stripes
            // stages empty files.
            for i in 0..2 {
                let spec = format!("{}/2", i);
                let mut args = vec!["create", input.to_str().unwrap(), url.as_str(), "--part", spec.as_str()];
                args.extend_from_slice(&opts);
                let o = cogtool(&args);
                assert!(o.status.success(), "{} part {}: {}", c.scheme(), spec, text(&o.stderr));
                if i == 0 {
                    let o = cogtool(["assemble", url.as_str()]);
                    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
                    assert!(text(&o.stderr).contains("missing"), "{}", text(&o.stderr));
                }
            }
            let staged = c.names().iter().filter(|n| n.starts_with("dist/huge.tif.parts/")).count();
            assert!(staged >= 2 * 3, "{}: each part staged its files ({staged})", c.scheme());
            let o = cogtool(["assemble", url.as_str()]);
            assert!(o.status.success(), "{}: {}", c.scheme(), text(&o.stderr));
            assert!(c.get("dist/huge.tif").as_ref() == Some(&want), "{}: differs from a single run", c.scheme());
            assert_eq!(c.names().iter().filter(|n| n.starts_with("dist/")).count(), 1, "{}: staging left", c.scheme());
            let o = cogtool(["assemble", url.as_str()]);
            assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        });
    }
}
