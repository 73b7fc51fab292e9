//! The Google Cloud Storage and Azure Blob Storage emulators, started on
//! 127.0.0.1 by the tests that need them: `gcp-storage-emulator` (PyPI; at
//! $COGTOOL_GCS_EMULATOR, else in the venv `.ci/run` makes, else on PATH)
//! and Azurite (npm `azurite`; `azurite-blob` at $COGTOOL_AZURITE, else on
//! PATH). Absent, a test prints `SKIP:` (a failure under
//! COGTOOL_REQUIRE_ORACLES=1, as in CI).
//!
//! Each sits behind a [`Proxy`] that counts the requests cogtool sends and
//! can refuse chosen ones. The tests' own requests (fixtures, checks) go to
//! the emulator directly, through [`raw`], a minimal HTTP/1.0 client, and
//! Azure's are signed by [`azure_sign`], written apart from cogtool's own
//! signer so that neither can hide the other's mistake.

use hmac::{KeyInit, Mac};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn skip(m: &str) {
    if std::env::var_os("COGTOOL_REQUIRE_ORACLES").is_some_and(|v| v == "1") {
        panic!("{} (COGTOOL_REQUIRE_ORACLES=1: an oracle is missing, the test must not skip)", m);
    }
    eprintln!("{}", m);
}

fn find(var: &str, venv: &str, name: &str) -> Option<String> {
    if let Ok(p) = std::env::var(var) {
        return Some(p);
    }
    if !venv.is_empty() && std::path::Path::new(venv).is_file() {
        return Some(venv.into());
    }
    let found = Command::new("sh").args(["-c", &format!("command -v {}", name)]).output().ok()?;
    found.status.success().then(|| String::from_utf8_lossy(&found.stdout).trim().to_string())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn wait_for(port: u16, what: &str) {
    let t0 = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(t0.elapsed() < Duration::from_secs(60), "{} did not start on port {}", what, port);
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// One answer of [`raw`].
pub struct Raw {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// One HTTP/1.0 request (no keep-alive, no chunking).
pub fn raw(port: u16, method: &str, path: &str, headers: &[(String, String)], body: &[u8]) -> Raw {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut head =
        format!("{} {} HTTP/1.0\r\nHost: 127.0.0.1:{}\r\nContent-Length: {}\r\n", method, path, port, body.len());
    for (k, v) in headers {
        head.push_str(&format!("{}: {}\r\n", k, v));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut all = Vec::new();
    s.read_to_end(&mut all).unwrap();
    let split = all.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or_else(|| {
        panic!("no HTTP answer to {} {} on port {}: {:?}", method, path, port, String::from_utf8_lossy(&all))
    });
    let head = String::from_utf8_lossy(&all[..split]).to_string();
    let mut lines = head.lines();
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Raw { status, headers, body: all[split + 4..].to_vec() }
}

/// A request as the proxy saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub body_len: usize,
}

/// Refuse (HTTP `status`) the requests whose method is `method` and whose
/// path contains `needle`, from the `after`-th such request on.
#[derive(Clone)]
pub struct Refuse {
    pub method: String,
    pub needle: String,
    pub after: usize,
    pub status: u16,
}

/// A counting, refusing HTTP proxy in front of an emulator: one request per
/// connection (it answers `Connection: close`).
pub struct Proxy {
    pub port: u16,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    pub refuse: Arc<Mutex<Option<Refuse>>>,
    /// A header added to every answer (what the emulator cannot say).
    pub add_header: Arc<Mutex<Option<String>>>,
}

impl Proxy {
    pub fn start(upstream: u16) -> Proxy {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let seen: Arc<Mutex<Vec<Seen>>> = Default::default();
        let refuse: Arc<Mutex<Option<Refuse>>> = Default::default();
        let add_header: Arc<Mutex<Option<String>>> = Default::default();
        let (s2, r2, a2) = (seen.clone(), refuse.clone(), add_header.clone());
        std::thread::spawn(move || {
            for c in l.incoming().flatten() {
                let (seen, refuse, add) = (s2.clone(), r2.clone(), a2.clone());
                std::thread::spawn(move || {
                    let extra = add.lock().unwrap().clone();
                    let _ = serve(c, upstream, &seen, &refuse, extra);
                });
            }
        });
        Proxy { port, seen, refuse, add_header }
    }

    pub fn take(&self) -> Vec<Seen> {
        std::mem::take(&mut *self.seen.lock().unwrap())
    }
}

fn serve(
    mut c: TcpStream,
    upstream: u16,
    seen: &Mutex<Vec<Seen>>,
    refuse: &Mutex<Option<Refuse>>,
    extra: Option<String>,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 4096];
    let split = loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p;
        }
        let n = c.read(&mut byte)?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&byte[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..split]).to_string();
    let mut body = buf[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let first = lines.next().unwrap_or_default().to_string();
    let mut parts = first.split(' ');
    let (method, path) = (parts.next().unwrap_or_default().to_string(), parts.next().unwrap_or_default().to_string());
    let mut kept = vec![first.clone()];
    let mut length = 0usize;
    for l in lines {
        let lower = l.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        if !lower.starts_with("connection:") {
            kept.push(l.to_string());
        }
    }
    while body.len() < length {
        let n = c.read(&mut byte)?;
        if n == 0 {
            return Ok(());
        }
        body.extend_from_slice(&byte[..n]);
    }
    let nth = {
        let mut s = seen.lock().unwrap();
        s.push(Seen { method: method.clone(), path: path.clone(), body_len: body.len() });
        s.iter().filter(|x| x.method == method && refuse_matches(refuse, x)).count()
    };
    let rule = refuse.lock().unwrap().clone();
    if let Some(r) = rule.filter(|r| r.method == method && path.contains(&r.needle) && nth > r.after) {
        let msg = b"refused by the test proxy";
        write!(c, "HTTP/1.1 {} Refused\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", r.status, msg.len())?;
        c.write_all(msg)?;
        return Ok(());
    }
    let mut u = TcpStream::connect(("127.0.0.1", upstream))?;
    kept.push("Connection: close".into());
    u.write_all(format!("{}\r\n\r\n", kept.join("\r\n")).as_bytes())?;
    u.write_all(&body)?;
    // The answer, with `Connection: close` so the client opens a new
    // connection for its next request.
    let mut ans = Vec::new();
    let split = loop {
        if let Some(p) = ans.windows(4).position(|w| w == b"\r\n\r\n") {
            break p;
        }
        let n = u.read(&mut byte)?;
        if n == 0 {
            c.write_all(&ans)?;
            return Ok(());
        }
        ans.extend_from_slice(&byte[..n]);
    };
    let head = String::from_utf8_lossy(&ans[..split]).to_string();
    let mut head: Vec<&str> =
        head.split("\r\n").filter(|l| !l.to_ascii_lowercase().starts_with("connection:")).collect();
    if let Some(h) = &extra {
        head.push(h);
    }
    c.write_all(format!("{}\r\nConnection: close\r\n\r\n", head.join("\r\n")).as_bytes())?;
    c.write_all(&ans[split + 4..])?;
    std::io::copy(&mut u, &mut c)?;
    Ok(())
}

fn refuse_matches(refuse: &Mutex<Option<Refuse>>, s: &Seen) -> bool {
    refuse.lock().unwrap().as_ref().is_some_and(|r| s.path.contains(&r.needle))
}

/// gcp-storage-emulator with the bucket `bkt`, behind a [`Proxy`].
pub struct GcsEmulator {
    pub port: u16,
    pub proxy: Proxy,
    child: Child,
}

impl GcsEmulator {
    pub fn start() -> Option<GcsEmulator> {
        let Some(bin) =
            find("COGTOOL_GCS_EMULATOR", "/opt/cogtool-venv/bin/gcp-storage-emulator", "gcp-storage-emulator")
        else {
            skip(
                "SKIP: gcp-storage-emulator not found (pip install gcp-storage-emulator; COGTOOL_GCS_EMULATOR names it)",
            );
            return None;
        };
        let port = free_port();
        let child = Command::new(&bin)
            .args([
                "start",
                "--host",
                "127.0.0.1",
                "--port",
                &port.to_string(),
                "--in-memory",
                "--default-bucket",
                "bkt",
                "-q",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {}", bin, e));
        wait_for(port, "gcp-storage-emulator");
        Some(GcsEmulator { port, proxy: Proxy::start(port), child })
    }

    /// The environment cogtool runs with: the emulator through the proxy.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![("STORAGE_EMULATOR_HOST".into(), format!("127.0.0.1:{}", self.proxy.port))]
    }

    pub fn put(&self, name: &str, data: &[u8]) {
        let path = format!("/upload/storage/v1/b/bkt/o?uploadType=media&name={}", enc(name));
        let r = raw(self.port, "POST", &path, &[("Content-Type".into(), "image/tiff".into())], data);
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    }

    pub fn get(&self, name: &str) -> Option<Vec<u8>> {
        let r = raw(self.port, "GET", &format!("/storage/v1/b/bkt/o/{}?alt=media", enc(name)), &[], b"");
        (r.status == 200).then_some(r.body)
    }

    /// Every object name in the bucket.
    pub fn names(&self) -> Vec<String> {
        let r = raw(self.port, "GET", "/storage/v1/b/bkt/o", &[], b"");
        let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        v["items"].as_array().into_iter().flatten().map(|i| i["name"].as_str().unwrap().to_string()).collect()
    }
}

impl Drop for GcsEmulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Azurite's development account.
pub const AZ_ACCOUNT: &str = "devstoreaccount1";
pub const AZ_KEY: &str = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/// Azurite (blob service only) with the container `cont`, behind a [`Proxy`].
pub struct Azurite {
    pub port: u16,
    pub proxy: Proxy,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Azurite {
    pub fn start() -> Option<Azurite> {
        let Some(bin) = find("COGTOOL_AZURITE", "", "azurite-blob") else {
            skip("SKIP: azurite-blob not found (npm install -g azurite; COGTOOL_AZURITE names it)");
            return None;
        };
        let port = free_port();
        let dir = tempfile::tempdir().unwrap();
        let child = Command::new(&bin)
            .args(["--blobHost", "127.0.0.1", "--blobPort", &port.to_string(), "--location"])
            .arg(dir.path())
            .args(["--skipApiVersionCheck", "--loose", "--silent"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {}", bin, e));
        wait_for(port, "azurite-blob");
        let a = Azurite { port, proxy: Proxy::start(port), child, _dir: dir };
        let r = a.request("PUT", "/cont", "restype=container", &[], b"");
        assert_eq!(r.status, 201, "create container: {}", String::from_utf8_lossy(&r.body));
        Some(a)
    }

    /// The environment cogtool runs with: the account through the proxy.
    pub fn env(&self) -> Vec<(String, String)> {
        let cs = format!(
            "DefaultEndpointsProtocol=http;AccountName={};AccountKey={};BlobEndpoint=http://127.0.0.1:{}/{};",
            AZ_ACCOUNT, AZ_KEY, self.proxy.port, AZ_ACCOUNT
        );
        vec![("AZURE_STORAGE_CONNECTION_STRING".into(), cs)]
    }

    /// A signed request straight to Azurite; `path` starts with the container.
    pub fn request(&self, method: &str, path: &str, query: &str, extra: &[(&str, &str)], body: &[u8]) -> Raw {
        let full = format!("/{}{}", AZ_ACCOUNT, path);
        let mut headers: Vec<(String, String)> = vec![
            ("x-ms-date".into(), httpdate::fmt_http_date(std::time::SystemTime::now())),
            ("x-ms-version".into(), "2021-08-06".into()),
        ];
        headers.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let auth = azure_sign(method, &full, query, &headers, body.len());
        headers.push(("Authorization".into(), auth));
        let target = if query.is_empty() { full } else { format!("{}?{}", full, query) };
        raw(self.port, method, &target, &headers, body)
    }

    pub fn put(&self, blob: &str, data: &[u8]) {
        let r = self.request("PUT", &format!("/cont/{}", blob), "", &[("x-ms-blob-type", "BlockBlob")], data);
        assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    }

    pub fn get(&self, blob: &str) -> Option<Vec<u8>> {
        let r = self.request("GET", &format!("/cont/{}", blob), "", &[], b"");
        (r.status == 200).then_some(r.body)
    }

    /// Names listed in the container, uncommitted blobs included (a blob
    /// that has only uncommitted blocks is listed too).
    pub fn names_with_uncommitted(&self) -> Vec<String> {
        let r = self.request("GET", "/cont", "comp=list&include=uncommittedblobs&restype=container", &[], b"");
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        let text = String::from_utf8_lossy(&r.body).trim_start_matches('\u{feff}').to_string();
        let doc = roxmltree::Document::parse(&text).unwrap();
        doc.descendants().filter(|n| n.has_tag_name("Name")).filter_map(|n| n.text()).map(str::to_string).collect()
    }

    /// The uncommitted blocks of `blob` (Get Block List), None if no blob.
    pub fn uncommitted_blocks(&self, blob: &str) -> Option<usize> {
        let r = self.request("GET", &format!("/cont/{}", blob), "blocklisttype=uncommitted&comp=blocklist", &[], b"");
        if r.status == 404 {
            return None;
        }
        let text = String::from_utf8_lossy(&r.body).trim_start_matches('\u{feff}').to_string();
        let doc = roxmltree::Document::parse(&text).unwrap();
        Some(doc.descendants().filter(|n| n.has_tag_name("Block")).count())
    }
}

impl Drop for Azurite {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Shared Key for Azurite's account; `query` sorted as given (the tests
/// write their queries with keys in order).
fn azure_sign(method: &str, path: &str, query: &str, headers: &[(String, String)], len: usize) -> String {
    let get =
        |n: &str| headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(n)).map(|(_, v)| v.clone()).unwrap_or_default();
    let mut ms: Vec<String> =
        headers.iter().filter(|(k, _)| k.starts_with("x-ms-")).map(|(k, v)| format!("{}:{}", k, v)).collect();
    ms.sort();
    let length = if len == 0 { String::new() } else { len.to_string() };
    let mut sts = format!(
        "{}\n\n\n{}\n\n{}\n\n\n{}\n{}\n\n\n{}\n/{}{}",
        method,
        length,
        get("content-type"),
        get("if-match"),
        get("if-none-match"),
        ms.join("\n"),
        AZ_ACCOUNT,
        path
    );
    for kv in query.split('&').filter(|s| !s.is_empty()) {
        let (k, v) = kv.split_once('=').unwrap();
        sts.push_str(&format!("\n{}:{}", k, v));
    }
    let key = aws_smithy_types::base64::decode(AZ_KEY).unwrap();
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
    mac.update(sts.as_bytes());
    format!("SharedKey {}:{}", AZ_ACCOUNT, aws_smithy_types::base64::encode(mac.finalize().into_bytes()))
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{:02X}", b)
            }
        })
        .collect()
}
