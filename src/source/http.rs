//! `http://` and `https://` sources (reqwest with rustls). Only ranged GETs:
//! the first one also yields the size (Content-Range), so no HEAD is sent.

use super::remote::{self, Fetch, Got, Response, error_chain};
use super::retry::{Attempt, status_is_retryable};
use crate::{Error, Result};
use reqwest::header::{CONTENT_LENGTH, CONTENT_RANGE, ETAG, HeaderMap, HeaderName, HeaderValue, IF_MATCH, RANGE};
use std::time::Duration;

pub struct Http {
    url: String,
    client: reqwest::Client,
}

impl Http {
    /// `headers` are `Name: value` strings from `--header`. One client (its
    /// connection pool and TLS setup) serves every URL of a run.
    pub fn new(url: &str, headers: &[String]) -> Result<Self> {
        static CLIENTS: std::sync::Mutex<Vec<(Vec<String>, reqwest::Client)>> = std::sync::Mutex::new(Vec::new());
        let mut clients = CLIENTS.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, c)) = clients.iter().find(|(h, _)| h.as_slice() == headers) {
            return Ok(Http { url: url.to_string(), client: c.clone() });
        }
        let client = Self::client(headers)?;
        clients.push((headers.to_vec(), client.clone()));
        Ok(Http { url: url.to_string(), client })
    }

    pub(crate) fn client(headers: &[String]) -> Result<reqwest::Client> {
        let mut map = HeaderMap::new();
        for h in headers {
            let (name, value) =
                h.split_once(':').ok_or_else(|| Error::usage(format!("--header {:?}: expected 'Name: value'", h)))?;
            let name = HeaderName::from_bytes(name.trim().as_bytes())
                .map_err(|_| Error::usage(format!("--header {:?}: invalid header name", h)))?;
            let value = HeaderValue::from_str(value.trim())
                .map_err(|_| Error::usage(format!("--header {:?}: invalid header value", h)))?;
            map.append(name, value);
        }
        reqwest::Client::builder()
            .default_headers(map)
            .connect_timeout(Duration::from_secs(10))
            .read_timeout(Duration::from_secs(30))
            .user_agent(concat!("cogtool/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::io(format!("cannot set up the HTTP client: {}", e)))
    }

    async fn attempt(&self, offset: u64, len: u64, if_match: Option<&str>) -> Response {
        let mut req = self.client.get(&self.url).header(RANGE, format!("bytes={}-{}", offset, offset + len - 1));
        if let Some(tag) = if_match {
            req = req.header(IF_MATCH, tag);
        }
        let answers = Answers {
            version_header: None,
            unauthorized: "authentication required (HTTP 401); pass a token with --header 'Authorization: Bearer ...'"
                .into(),
            denied: "access denied (HTTP 403); a signed URL may have expired, or a token is needed \
                     (--header 'Authorization: ...'); for objects in a cloud use s3://, gs:// or az:// \
                     with credentials, or --no-sign-request for public ones"
                .into(),
            not_found: format!("not found (HTTP 404): {}", self.url),
        };
        ranged(req, offset, len, if_match, &answers).await
    }
}

/// What a ranged GET's failures mean for one kind of source, and which
/// header names the object's version (None: the ETag; else that header,
/// the version then reads `name:value`, or the ETag when it is absent).
pub(crate) struct Answers {
    pub version_header: Option<&'static str>,
    pub unauthorized: String,
    pub denied: String,
    pub not_found: String,
}

/// Send a ranged GET of `offset..offset+len` (already built, signed if need
/// be) and judge the answer: the bytes, the object's size and version, or
/// whether to retry. `pinned` is the version the read is pinned to.
pub(crate) async fn ranged(
    req: reqwest::RequestBuilder,
    offset: u64,
    len: u64,
    pinned: Option<&str>,
    answers: &Answers,
) -> Response {
    {
        let mut resp = match req.send().await {
            Ok(r) => r,
            Err(e) => return Response { status: None, outcome: transport_error(&e) },
        };
        let status = resp.status().as_u16();
        let header =
            |name: HeaderName| resp.headers().get(name).and_then(|v: &HeaderValue| v.to_str().ok()).map(str::to_string);
        let etag = match answers.version_header {
            Some(h) => header(HeaderName::from_static(h)).map(|v| format!("{}:{}", h, v)).or_else(|| header(ETAG)),
            None => header(ETAG),
        };
        let outcome = match status {
            206 => {
                let Some((span, total)) = header(CONTENT_RANGE).as_deref().and_then(remote::parse_content_range) else {
                    return fail(status, "206 answer without a valid Content-Range".to_string());
                };
                if let Err(e) = remote::check_span(span, total, offset, len) {
                    return Response { status: Some(status), outcome: Attempt::Fail(e) };
                }
                let want = span.map(|(a, b)| b - a + 1).unwrap_or(0);
                read_body(&mut resp, want)
                    .await
                    .map_or_else(Attempt::Retry, |data| Attempt::Done(Got { data, total, etag }))
            }
            200 => {
                let content_length = header(CONTENT_LENGTH).and_then(|v| v.parse().ok());
                match remote::whole_object_answer(offset, len, content_length) {
                    Attempt::Done(n) => read_body(&mut resp, n)
                        .await
                        .map_or_else(Attempt::Retry, |data| Attempt::Done(Got { data, total: n, etag })),
                    Attempt::Fail(e) => Attempt::Fail(e),
                    Attempt::Retry(m) => Attempt::Retry(m),
                }
            }
            416 => match header(CONTENT_RANGE).as_deref().and_then(remote::parse_content_range) {
                // An empty object cannot satisfy any range.
                Some((None, 0)) => Attempt::Done(Got { data: Vec::new(), total: 0, etag }),
                _ => Attempt::Fail(Error::io("range not satisfiable (HTTP 416)")),
            },
            412 => Attempt::Fail(remote::changed_error(pinned)),
            401 => Attempt::Fail(Error::io(answers.unauthorized.clone())),
            403 => Attempt::Fail(Error::io(answers.denied.clone())),
            404 => Attempt::Fail(Error::io(answers.not_found.clone())),
            s if status_is_retryable(s) => Attempt::Retry(format!("HTTP {}", s)),
            s => Attempt::Fail(Error::io(format!("unexpected HTTP {}", s))),
        };
        Response { status: Some(status), outcome }
    }
}

/// What a server says about ranges and CORS (`validate --rules ogc`'s
/// http-range class): one ranged GET of the first byte with an `Origin`,
/// then a CORS preflight asking to send `Range`.
#[derive(Debug, Clone, Default)]
pub struct ServerProbe {
    /// Status of the ranged GET, and whether it came with a Content-Range.
    pub range_status: u16,
    pub content_range: bool,
    /// `Access-Control-Allow-Origin` of the GET.
    pub allow_origin: Option<String>,
    /// Status and `Access-Control-Allow-Headers` of the preflight.
    pub preflight_status: Option<u16>,
    pub allow_headers: Option<String>,
}

/// The origin the probe claims (a name that cannot exist).
const PROBE_ORIGIN: &str = "https://cogtool-probe.invalid";

impl Http {
    /// Ask the server about ranges and CORS (two requests).
    pub fn probe(&self) -> Result<ServerProbe> {
        super::runtime::block_on(async {
            let get = self
                .client
                .get(&self.url)
                .header(RANGE, "bytes=0-0")
                .header("Origin", PROBE_ORIGIN)
                .send()
                .await
                .map_err(|e| Error::io(format!("cannot reach {}: {}", self.url, error_chain(&e))))?;
            let text = |h: &HeaderMap, n: &str| h.get(n).and_then(|v| v.to_str().ok()).map(str::to_string);
            let mut probe = ServerProbe {
                range_status: get.status().as_u16(),
                content_range: get.headers().contains_key(CONTENT_RANGE),
                allow_origin: text(get.headers(), "access-control-allow-origin"),
                ..ServerProbe::default()
            };
            drop(get);
            let pre = self
                .client
                .request(reqwest::Method::OPTIONS, &self.url)
                .header("Origin", PROBE_ORIGIN)
                .header("Access-Control-Request-Method", "GET")
                .header("Access-Control-Request-Headers", "range")
                .send()
                .await;
            if let Ok(pre) = pre {
                probe.preflight_status = Some(pre.status().as_u16());
                probe.allow_headers = text(pre.headers(), "access-control-allow-headers");
                if probe.allow_origin.is_none() {
                    probe.allow_origin = text(pre.headers(), "access-control-allow-origin");
                }
            }
            Ok(probe)
        })
    }
}

fn fail(status: u16, msg: String) -> Response {
    Response { status: Some(status), outcome: Attempt::Fail(Error::io(msg)) }
}

/// Read exactly `want` bytes of body, never more; a short body (connection
/// dropped) is a transient failure.
async fn read_body(resp: &mut reqwest::Response, want: u64) -> std::result::Result<Vec<u8>, String> {
    let mut data = Vec::with_capacity(want.min(64 << 20) as usize);
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                if data.len() as u64 + chunk.len() as u64 > want {
                    return Err(format!("server sent more than the {} bytes announced", want));
                }
                data.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(e) => {
                return Err(format!("connection lost after {} of {} bytes ({})", data.len(), want, error_chain(&e)));
            }
        }
    }
    if (data.len() as u64) < want {
        return Err(format!("connection closed after {} of {} bytes", data.len(), want));
    }
    Ok(data)
}

/// Errors before any response: building the request is permanent, the rest
/// (connect, timeout, reset) transient.
pub(crate) fn transport_error<T>(e: &reqwest::Error) -> Attempt<T> {
    if e.is_builder() {
        return Attempt::Fail(Error::usage(format!("bad URL: {}", error_chain(e))));
    }
    if e.is_redirect() {
        return Attempt::Fail(Error::io(format!("too many redirects: {}", error_chain(e))));
    }
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else {
        "request failed"
    };
    Attempt::Retry(format!("{} ({})", what, error_chain(e)))
}

impl Fetch for Http {
    async fn get(&self, offset: u64, len: u64, if_match: Option<&str>) -> Response {
        self.attempt(offset, len, if_match).await
    }
    fn url(&self) -> &str {
        &self.url
    }
}
