//! What the Google Cloud Storage and Azure Blob Storage backends share: a
//! request described as data ([`Call`]) so that a backend can sign it
//! (Azure's Shared Key signs the method, headers and query; Google only
//! adds a bearer token), and [`send`], which sends it with the retry policy
//! of every remote source and logs it under `-v`. The S3 backend keeps the
//! AWS SDK's own request machinery.

use super::http::transport_error;
use super::remote::error_chain;
use super::retry::{self, Attempt, status_is_retryable};
use crate::{Error, Result};
use std::future::Future;
use std::time::Instant;

/// One REST request before signing.
#[derive(Clone)]
pub(crate) struct Call {
    pub method: reqwest::Method,
    /// Absolute URL, query included (already percent-encoded).
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: bytes::Bytes,
}

impl Call {
    pub fn new(method: reqwest::Method, url: String) -> Call {
        Call { method, url, headers: Vec::new(), body: bytes::Bytes::new() }
    }
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Call {
        self.headers.push((name.to_ascii_lowercase(), value.into()));
        self
    }
    pub fn body(mut self, body: impl Into<bytes::Bytes>) -> Call {
        self.body = body.into();
        self
    }
}

/// A backend that turns a [`Call`] into a request it may send (adding its
/// credentials), and names what a refusal means.
pub(crate) trait Signer: Send + Sync {
    fn prepare(&self, call: &Call) -> impl Future<Output = Result<reqwest::RequestBuilder>> + Send;
    /// The message for a 401 or 403: which credential was used or missing,
    /// and what to set.
    fn denied(&self, status: u16) -> String;
}

/// An answer that is not a transient failure (the caller judges the status).
pub(crate) struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: bytes::Bytes,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
    /// The error for an answer the caller did not expect: a refusal names
    /// the credentials, else the status and the server's own message.
    pub fn error(&self, signer: &impl Signer, what: &str) -> Error {
        if self.status == 401 || self.status == 403 {
            return Error::io(format!("{}: {}", what, signer.denied(self.status)));
        }
        let text = String::from_utf8_lossy(&self.body);
        let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let text = if text.len() > 300 { format!("{}...", &text[..text.floor_char_boundary(300)]) } else { text };
        Error::io(format!(
            "{}: HTTP {}{}",
            what,
            self.status,
            if text.is_empty() { String::new() } else { format!(": {}", text) }
        ))
    }
}

/// Send `call` with retries (connection failures, 5xx, 429, 408); any
/// other answer is returned for the caller to judge.
pub(crate) async fn send(signer: &impl Signer, call: &Call, retries: u32, verbose: bool) -> Result<Answer> {
    retry::run(retries, "", |_| async move {
        let t0 = Instant::now();
        let req = match signer.prepare(call).await {
            Ok(r) => r,
            Err(e) => return Attempt::Fail(e),
        };
        let outcome = match req.send().await {
            Err(e) => transport_error(&e),
            Ok(resp) => {
                let status = resp.status().as_u16();
                let headers = resp.headers().clone();
                match resp.bytes().await {
                    Err(e) => Attempt::Retry(format!("connection lost reading the answer ({})", error_chain(&e))),
                    Ok(_) if status_is_retryable(status) => Attempt::Retry(format!("HTTP {}", status)),
                    Ok(body) => Attempt::Done(Answer { status, headers, body }),
                }
            }
        };
        if verbose {
            let how = match &outcome {
                Attempt::Done(a) => a.status.to_string(),
                Attempt::Retry(m) => format!("failed ({})", m),
                Attempt::Fail(e) => format!("failed ({})", e.message),
            };
            eprintln!(
                "cogtool: {} {} ({} bytes) -> {}, {} ms",
                call.method,
                strip_secrets(&call.url),
                call.body.len(),
                how,
                t0.elapsed().as_millis()
            );
        }
        outcome
    })
    .await
}

/// One ranged GET for a [`super::remote::Fetch`] backend: `call` signed
/// by `signer`, its answer judged by [`super::http::ranged`] with the
/// signer's refusal messages. `version_header` names the object's version
/// (None: the ETag).
pub(crate) async fn signed_ranged(
    signer: &impl Signer,
    call: &Call,
    (offset, len): (u64, u64),
    pinned: Option<&str>,
    version_header: Option<&'static str>,
    url: &str,
) -> super::remote::Response {
    let req = match signer.prepare(call).await {
        Ok(r) => r,
        Err(e) => return super::remote::Response { status: None, outcome: Attempt::Fail(e) },
    };
    let answers = super::http::Answers {
        version_header,
        unauthorized: signer.denied(401),
        denied: signer.denied(403),
        not_found: format!("not found (HTTP 404): {}", url),
    };
    super::http::ranged(req, offset, len, pinned, &answers).await
}

/// A URL without its query's signature (a SAS token is a secret).
pub(crate) fn strip_secrets(url: &str) -> String {
    match url.split_once('?') {
        Some((base, q)) => {
            let kept: Vec<&str> = q.split('&').filter(|kv| !kv.starts_with("sig=")).collect();
            if kept.is_empty() { base.to_string() } else { format!("{}?{}", base, kept.join("&")) }
        }
        None => url.to_string(),
    }
}

/// Percent-encode a path segment or query value: everything but RFC 3986's
/// unreserved characters.
pub(crate) fn encode(s: &str) -> String {
    const SET: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
    percent_encoding::utf8_percent_encode(s, SET).to_string()
}

/// Percent-encode an object name inside a URL path, keeping its slashes.
pub(crate) fn encode_path(s: &str) -> String {
    s.split('/').map(encode).collect::<Vec<_>>().join("/")
}

/// A name unique to this run, for temporary objects.
pub(crate) fn unique_tag() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{}-{:x}", std::process::id(), nanos & 0xffff_ffff_ffff)
}

/// Whether this machine is a cloud's VM, from the firmware's own strings
/// (what Google's and Azure's libraries check before asking a metadata
/// server that only exists there; elsewhere the request costs a timeout).
pub(crate) fn dmi_says(file: &str, needle: &str) -> bool {
    std::fs::read_to_string(format!("/sys/class/dmi/id/{}", file)).is_ok_and(|s| s.contains(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_and_secrets() {
        assert_eq!(encode("a b/c+d~e"), "a%20b%2Fc%2Bd~e");
        assert_eq!(encode_path("dir/a b.tif"), "dir/a%20b.tif");
        assert_eq!(strip_secrets("https://x/c/b?sv=1&sig=abc&se=2"), "https://x/c/b?sv=1&se=2");
        assert_eq!(strip_secrets("https://x/c/b?sig=abc"), "https://x/c/b");
    }
}
