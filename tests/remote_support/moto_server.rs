//! moto's S3 server (`moto_server`, from the PyPI package `moto[server]`),
//! a second S3 implementation beside s3s-fs, started on 127.0.0.1 by the
//! test that needs it. It is found at $COGTOOL_MOTO_SERVER, else in the
//! venv `.ci/run` makes (/opt/cogtool-venv/bin/moto_server), else on PATH.
//! Absent, the test prints `SKIP:` (a failure under
//! COGTOOL_REQUIRE_ORACLES=1, as in CI).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Moto {
    pub endpoint: String,
    child: Child,
}

fn binary() -> Option<String> {
    if let Ok(p) = std::env::var("COGTOOL_MOTO_SERVER") {
        return Some(p);
    }
    let venv = "/opt/cogtool-venv/bin/moto_server";
    if std::path::Path::new(venv).is_file() {
        return Some(venv.into());
    }
    let found = Command::new("sh").args(["-c", "command -v moto_server"]).output().ok()?;
    found.status.success().then(|| String::from_utf8_lossy(&found.stdout).trim().to_string())
}

impl Moto {
    /// Start moto on a free port of 127.0.0.1 with the bucket `private`;
    /// None (after `SKIP:`) when moto_server is not installed.
    pub fn start() -> Option<Moto> {
        let Some(bin) = binary() else {
            let m = "SKIP: moto_server not found (pip install 'moto[server]'; COGTOOL_MOTO_SERVER names it)";
            if std::env::var_os("COGTOOL_REQUIRE_ORACLES").is_some_and(|v| v == "1") {
                panic!("{} (COGTOOL_REQUIRE_ORACLES=1: an oracle is missing, the test must not skip)", m);
            }
            eprintln!("{}", m);
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(&bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {}", bin, e));
        let m = Moto { endpoint: format!("http://127.0.0.1:{}", port), child };
        let t0 = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(t0.elapsed() < Duration::from_secs(30), "moto_server did not start on port {}", port);
            std::thread::sleep(Duration::from_millis(100));
        }
        m.run(|c| async move {
            c.create_bucket().bucket("private").send().await.expect("CreateBucket on moto");
        });
        Some(m)
    }

    pub fn options(&self) -> cogtool::source::OpenOptions {
        super::isolate_process_env();
        cogtool::source::OpenOptions {
            endpoint_url: Some(self.endpoint.clone()),
            ..cogtool::source::OpenOptions::default()
        }
    }

    /// Run `f` with a client of this server.
    pub fn run<F, Fut, T>(&self, f: F) -> T
    where
        F: FnOnce(aws_sdk_s3::Client) -> Fut,
        Fut: std::future::Future<Output = T>,
    {
        let opts = self.options();
        cogtool::source::runtime::block_on(async {
            let c = cogtool::source::s3::client(&opts).await;
            f(c).await
        })
    }

    /// The object's bytes, or None when there is no such key.
    pub fn object(&self, key: &str) -> Option<Vec<u8>> {
        self.run(|c| async move {
            let r = c.get_object().bucket("private").key(key).send().await.ok()?;
            Some(r.body.collect().await.expect("object body").into_bytes().to_vec())
        })
    }

    /// Multipart uploads neither completed nor aborted.
    pub fn open_uploads(&self) -> usize {
        self.run(|c| async move {
            let out = c.list_multipart_uploads().bucket("private").send().await.expect("ListMultipartUploads");
            out.uploads().len()
        })
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
