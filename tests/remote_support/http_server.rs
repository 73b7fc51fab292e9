//! A small, real HTTP/1.1 server on 127.0.0.1 for the remote tests: serves
//! byte ranges of in-memory objects with ETags and If-Match, keeps a log of
//! every request it answered, and can misbehave on purpose (faults).
//! Written on std::net so each fault is exact (a body cut after N bytes,
//! a 200 that ignores Range) without a framework in the way.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone)]
pub enum Fault {
    /// Answer this status the next `n` times, then behave.
    Status { status: u16, times: usize },
    /// Send headers and half the body, then close, the next `n` times.
    DropMidBody { times: usize },
    /// Answer 200 with the whole body, whatever the Range.
    IgnoreRange,
    /// After the first answer, replace the object (new bytes, new ETag).
    ChangeAfterFirst,
    /// Demand this exact header value, else 401.
    RequireHeader { name: String, value: String },
}

#[derive(Debug, Clone)]
pub struct Logged {
    pub path: String,
    pub range: Option<String>,
    pub if_match: Option<String>,
    pub status: u16,
    pub body_bytes: usize,
}

struct Object {
    data: Vec<u8>,
    etag: String,
}

#[derive(Default)]
struct State {
    objects: HashMap<String, Object>,
    faults: HashMap<String, Fault>,
    log: Vec<Logged>,
    version: u64,
    /// Each answer waits this long (to observe concurrency).
    delay: Option<std::time::Duration>,
    /// CORS: GETs get `Access-Control-Allow-Origin: *` and preflights
    /// (OPTIONS) are answered with these allowed headers.
    cors: Option<String>,
    in_flight: usize,
    max_in_flight: usize,
}

pub struct HttpServer {
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
}

impl HttpServer {
    pub fn start() -> HttpServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State::default()));
        let st = state.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let st = st.clone();
                std::thread::spawn(move || serve(conn, st));
            }
        });
        HttpServer { addr, state }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}/{}", self.addr, path.trim_start_matches('/'))
    }

    pub fn put(&self, path: &str, data: Vec<u8>) {
        let mut s = self.state.lock().unwrap();
        s.version += 1;
        let etag = format!("\"v{}-{}\"", s.version, data.len());
        s.objects.insert(format!("/{}", path.trim_start_matches('/')), Object { data, etag });
    }

    pub fn fault(&self, path: &str, f: Fault) {
        self.state.lock().unwrap().faults.insert(format!("/{}", path.trim_start_matches('/')), f);
    }

    /// Answer as a CORS-enabled server allowing `allow_headers` (None: no
    /// CORS headers, and OPTIONS is refused with 405).
    pub fn set_cors(&self, allow_headers: Option<&str>) {
        self.state.lock().unwrap().cors = allow_headers.map(String::from);
    }

    pub fn set_delay(&self, d: std::time::Duration) {
        self.state.lock().unwrap().delay = Some(d);
    }

    /// Most requests ever being answered at the same time.
    pub fn max_in_flight(&self) -> usize {
        self.state.lock().unwrap().max_in_flight
    }

    /// Requests answered for `path` so far.
    pub fn log(&self, path: &str) -> Vec<Logged> {
        let p = format!("/{}", path.trim_start_matches('/'));
        self.state.lock().unwrap().log.iter().filter(|l| l.path == p).cloned().collect()
    }
}

fn serve(conn: TcpStream, state: Arc<Mutex<State>>) {
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut out = conn;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let (method, target) = (parts.next().unwrap_or("").to_string(), parts.next().unwrap_or("").to_string());
        let mut headers: HashMap<String, String> = HashMap::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
            }
        }
        let delay = {
            let mut st = state.lock().unwrap();
            st.in_flight += 1;
            st.max_in_flight = st.max_in_flight.max(st.in_flight);
            st.delay
        };
        if let Some(d) = delay {
            std::thread::sleep(d);
        }
        // Counted out before answering: once the response is written the
        // client may send its next request, which another thread can count
        // before this one would get here (seen as 4 at once with a limit of 3
        // on a loaded machine).
        state.lock().unwrap().in_flight -= 1;
        let keep = answer(&mut out, &method, &target, &headers, &state);
        if !keep {
            let _ = out.shutdown(std::net::Shutdown::Both);
            return;
        }
    }
}

/// Write one response; false when the connection must close.
fn answer(
    out: &mut TcpStream,
    method: &str,
    path: &str,
    headers: &HashMap<String, String>,
    state: &Mutex<State>,
) -> bool {
    let range = headers.get("range").cloned();
    let if_match = headers.get("if-match").cloned();
    let mut st = state.lock().unwrap();
    let log = |st: &mut State, status: u16, body_bytes: usize| {
        st.log.push(Logged {
            path: path.to_string(),
            range: range.clone(),
            if_match: if_match.clone(),
            status,
            body_bytes,
        })
    };
    let cors = st.cors.clone();
    if method == "OPTIONS"
        && let Some(allowed) = &cors
    {
        log(&mut st, 204, 0);
        return simple(
            out,
            204,
            "",
            &[("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Headers", allowed.as_str())],
        );
    }
    let allow_origin = if cors.is_some() { "Access-Control-Allow-Origin: *\r\n" } else { "" };
    if method != "GET" {
        log(&mut st, 405, 0);
        return simple(out, 405, "method not allowed", &[]);
    }
    let fault = st.faults.get(path).cloned();
    match &fault {
        Some(Fault::Status { status, times }) if *times > 0 => {
            st.faults.insert(path.to_string(), Fault::Status { status: *status, times: times - 1 });
            log(&mut st, *status, 0);
            return simple(out, *status, "injected", &[]);
        }
        Some(Fault::RequireHeader { name, value }) if headers.get(&name.to_ascii_lowercase()) != Some(value) => {
            log(&mut st, 401, 0);
            return simple(out, 401, "token required", &[]);
        }
        _ => {}
    }
    let Some(obj) = st.objects.get(path) else {
        log(&mut st, 404, 0);
        return simple(out, 404, "no such object", &[]);
    };
    let (data, etag) = (obj.data.clone(), obj.etag.clone());
    if let Some(tag) = &if_match
        && tag != &etag
    {
        log(&mut st, 412, 0);
        return simple(out, 412, "precondition failed", &[("ETag", &etag)]);
    }
    let len = data.len() as u64;
    if matches!(fault, Some(Fault::IgnoreRange)) || range.is_none() {
        log(&mut st, 200, data.len());
        drop(st);
        let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nETag: {}\r\n{}\r\n", len, etag, allow_origin);
        // The client may close after the head: errors here are expected.
        let _ = out.write_all(head.as_bytes()).and_then(|_| out.write_all(&data));
        return false;
    }
    let spec = range.as_deref().unwrap().trim_start_matches("bytes=");
    let (a, b) = spec.split_once('-').unwrap_or(("", ""));
    let (Ok(a), b) = (a.parse::<u64>(), b.parse::<u64>().ok()) else {
        log(&mut st, 400, 0);
        return simple(out, 400, "bad range", &[]);
    };
    if a >= len {
        log(&mut st, 416, 0);
        let cr = format!("bytes */{}", len);
        return simple(out, 416, "", &[("Content-Range", &cr)]);
    }
    let end = b.map_or(len - 1, |b| b.min(len - 1));
    let body = &data[a as usize..=end as usize];
    let drop_now = match fault {
        Some(Fault::DropMidBody { times }) if times > 0 => {
            st.faults.insert(path.to_string(), Fault::DropMidBody { times: times - 1 });
            true
        }
        _ => false,
    };
    if matches!(fault, Some(Fault::ChangeAfterFirst)) {
        st.faults.remove(path);
        st.version += 1;
        let mut changed = data.clone();
        changed[0] ^= 0xff;
        let new_tag = format!("\"v{}-{}\"", st.version, changed.len());
        st.objects.insert(path.to_string(), Object { data: changed, etag: new_tag });
    }
    let sent = if drop_now { body.len() / 2 } else { body.len() };
    log(&mut st, 206, sent);
    drop(st);
    let head = format!(
        "HTTP/1.1 206 Partial Content\r\nContent-Length: {}\r\nContent-Range: bytes {}-{}/{}\r\nETag: {}\r\n{}\r\n",
        body.len(),
        a,
        end,
        len,
        etag,
        allow_origin
    );
    let ok =
        out.write_all(head.as_bytes()).and_then(|_| out.write_all(&body[..sent])).and_then(|_| out.flush()).is_ok();
    ok && !drop_now
}

fn simple(out: &mut TcpStream, status: u16, body: &str, extra: &[(&str, &str)]) -> bool {
    let mut head = format!("HTTP/1.1 {} X\r\nContent-Length: {}\r\n", status, body.len());
    for (k, v) in extra {
        head.push_str(&format!("{}: {}\r\n", k, v));
    }
    head.push_str("\r\n");
    out.write_all(head.as_bytes()).and_then(|_| out.write_all(body.as_bytes())).is_ok()
}
