//! What HTTP and S3 sources share: the first read (which also learns the
//! object's size and ETag), pinning every later read to that ETag, the
//! retry loop, request accounting and `-v` logging. A backend only knows how
//! to issue one ranged GET ([`Fetch::get`]).

use super::retry::{self, Attempt};
use super::{RangeSource, Stats, runtime};
use crate::{Error, Result};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

/// One successful ranged GET.
pub struct Got {
    pub data: Vec<u8>,
    /// Object size, from Content-Range (or Content-Length for a 200 that
    /// covered the whole, small, object).
    pub total: u64,
    pub etag: Option<String>,
}

/// The result of one request: the HTTP status if a response arrived (for
/// the log) and what to do next.
pub struct Response {
    pub status: Option<u16>,
    pub outcome: Attempt<Got>,
}

/// One ranged GET against a backend. `len` is at least 1 and the range is
/// `offset..offset+len`; `if_match` is the pinned ETag once known.
pub trait Fetch: Send + Sync + 'static {
    fn get(&self, offset: u64, len: u64, if_match: Option<&str>) -> impl Future<Output = Response> + Send;
    /// The URL, for messages.
    fn url(&self) -> &str;
}

/// Knobs common to remote sources (from [`super::OpenOptions`]).
#[derive(Debug, Clone)]
pub struct Settings {
    pub header_bytes: usize,
    pub retries: u32,
    pub concurrency: usize,
    pub verbose: bool,
}

/// What the first request taught us.
struct First {
    size: u64,
    etag: Option<String>,
    /// The bytes of the first request (the start of the object), kept so the
    /// reader's own first read does not cost a second request.
    data: Vec<u8>,
}

struct Core<F: Fetch> {
    fetch: F,
    settings: Settings,
    first: OnceLock<First>,
    /// Serialises the first request between threads that race to it.
    first_lock: std::sync::Mutex<()>,
    requests: AtomicU64,
    bytes: AtomicU64,
}

/// A remote object as a [`RangeSource`].
pub struct Remote<F: Fetch> {
    core: Arc<Core<F>>,
}

impl<F: Fetch> Remote<F> {
    pub fn new(fetch: F, settings: Settings) -> Self {
        Remote {
            core: Arc::new(Core {
                fetch,
                settings,
                first: OnceLock::new(),
                first_lock: std::sync::Mutex::new(()),
                requests: AtomicU64::new(0),
                bytes: AtomicU64::new(0),
            }),
        }
    }
}

impl<F: Fetch> Core<F> {
    /// One ranged GET with retries, logging and accounting.
    async fn get(&self, offset: u64, len: u64, if_match: Option<&str>) -> Result<Got> {
        // Messages leave the URL out: the command's report names the source.
        let url: &str = self.fetch.url();
        retry::run(self.settings.retries, "", |_| async move {
            let t0 = Instant::now();
            let r = self.fetch.get(offset, len, if_match).await;
            self.requests.fetch_add(1, Ordering::Relaxed);
            let got = match &r.outcome {
                Attempt::Done(g) => g.data.len() as u64,
                _ => 0,
            };
            self.bytes.fetch_add(got, Ordering::Relaxed);
            if self.settings.verbose {
                let status = match (&r.status, &r.outcome) {
                    (Some(s), Attempt::Done(_)) => s.to_string(),
                    (Some(s), Attempt::Retry(m)) | (Some(s), Attempt::Fail(Error { message: m, .. })) => {
                        format!("{} ({})", s, m)
                    }
                    (None, Attempt::Retry(m)) | (None, Attempt::Fail(Error { message: m, .. })) => {
                        format!("failed ({})", m)
                    }
                    (None, Attempt::Done(_)) => "ok".into(),
                };
                eprintln!(
                    "cogtool: GET {} bytes={}-{} -> {}, {} bytes, {} ms",
                    url,
                    offset,
                    offset + len - 1,
                    status,
                    got,
                    t0.elapsed().as_millis()
                );
            }
            r.outcome
        })
        .await
    }

    /// The first request: `header_bytes` at offset 0, learning size and ETag.
    fn first(&self) -> Result<&First> {
        if let Some(f) = self.first.get() {
            return Ok(f);
        }
        let _guard = self.first_lock.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(f) = self.first.get() {
            return Ok(f);
        }
        let got = runtime::block_on(self.get(0, self.settings.header_bytes as u64, None))?;
        let _ = self.first.set(First { size: got.total, etag: got.etag, data: got.data });
        Ok(self.first.get().unwrap())
    }

    /// A later read, pinned to the first ETag and checked against the size.
    async fn read_pinned(&self, first: &First, offset: u64, len: usize) -> Result<Vec<u8>> {
        let end = offset.saturating_add(len as u64).min(first.size);
        if offset >= end {
            return Ok(Vec::new());
        }
        if end <= first.data.len() as u64 {
            return Ok(first.data[offset as usize..end as usize].to_vec());
        }
        let want = end - offset;
        let got = self.get(offset, want, first.etag.as_deref()).await?;
        let changed = got.total != first.size || matches!((&first.etag, &got.etag), (Some(a), Some(b)) if a != b);
        if changed {
            return Err(changed_error(first.etag.as_deref()));
        }
        if got.data.len() as u64 != want {
            return Err(Error::io(format!("asked for {} bytes at offset {}, got {}", want, offset, got.data.len())));
        }
        Ok(got.data)
    }
}

/// The message for an object replaced between two reads of one run.
pub fn changed_error(etag: Option<&str>) -> Error {
    Error::io(format!(
        "the object changed while it was being read (ETag was {}); nothing was mixed from two versions, run again",
        etag.unwrap_or("unknown")
    ))
}

impl<F: Fetch> RangeSource for Remote<F> {
    fn len(&self) -> Result<u64> {
        Ok(self.core.first()?.size)
    }

    fn version(&self) -> Option<String> {
        self.core.first().ok().and_then(|f| f.etag.clone())
    }

    fn read_at(&self, offset: u64, len: usize) -> Result<Vec<u8>> {
        let first = self.core.first()?;
        runtime::block_on(self.core.read_pinned(first, offset, len))
    }

    /// Concurrent reads, at most `concurrency` in flight, results in order.
    fn read_many(&self, ranges: &[std::ops::Range<u64>]) -> Result<Vec<Vec<u8>>> {
        self.core.first()?;
        let limit = Arc::new(tokio::sync::Semaphore::new(self.core.settings.concurrency.max(1)));
        runtime::block_on(async {
            let mut tasks = Vec::with_capacity(ranges.len());
            for r in ranges {
                let (offset, len) = (r.start, (r.end - r.start) as usize);
                let core = self.core.clone();
                let limit = limit.clone();
                tasks.push(runtime::get().spawn(async move {
                    let _permit = limit.acquire_owned().await.expect("semaphore closed");
                    let first = core.first.get().expect("first read done");
                    core.read_pinned(first, offset, len).await
                }));
            }
            let mut out = Vec::with_capacity(tasks.len());
            let mut err = None;
            for t in tasks {
                match t.await {
                    Ok(Ok(buf)) => out.push(buf),
                    Ok(Err(e)) => {
                        err.get_or_insert(e);
                    }
                    Err(e) => {
                        err.get_or_insert(Error::io(format!("read task failed: {}", e)));
                    }
                }
            }
            match err {
                Some(e) => Err(e),
                None => Ok(out),
            }
        })
    }

    fn is_local(&self) -> bool {
        false
    }

    fn stats(&self) -> Option<Stats> {
        Some(Stats {
            requests: self.core.requests.load(Ordering::Relaxed),
            bytes: self.core.bytes.load(Ordering::Relaxed),
        })
    }
}

/// An error and its causes on one line, without Debug dumps (the HTTP
/// stacks' own top-level texts are generic: "error sending request").
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let t = c.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        cur = c.source();
    }
    s
}

/// Parse `Content-Range: bytes START-END/TOTAL` (or `bytes */TOTAL` of a
/// 416). Returns (start, end inclusive or None, total).
pub fn parse_content_range(v: &str) -> Option<(Option<(u64, u64)>, u64)> {
    let rest = v.trim().strip_prefix("bytes")?.trim_start();
    let (span, total) = rest.split_once('/')?;
    let total: u64 = total.trim().parse().ok()?;
    let span = span.trim();
    if span == "*" {
        return Some((None, total));
    }
    let (a, b) = span.split_once('-')?;
    let (a, b): (u64, u64) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
    if a > b || b >= total {
        return None;
    }
    Some((Some((a, b)), total))
}

/// Check a 206 answer covers exactly what was asked (clamped to the size).
pub fn check_span(span: Option<(u64, u64)>, total: u64, offset: u64, len: u64) -> Result<()> {
    let want_end = (offset + len).min(total);
    match span {
        Some((a, b)) if a == offset && b + 1 == want_end => Ok(()),
        _ => Err(Error::io(format!(
            "server answered bytes {:?} of {} for a request of bytes {}-{}",
            span,
            total,
            offset,
            offset + len - 1
        ))),
    }
}

/// A 200 (whole object) answer to a ranged request: acceptable only when it
/// is no bigger than what was asked from offset 0 (a small object); else the
/// server ignores Range and reading on would download everything.
pub fn whole_object_answer(offset: u64, len: u64, content_length: Option<u64>) -> Attempt<u64> {
    let size = content_length.map(|n| format!(" {}-byte", n)).unwrap_or_default();
    match content_length {
        Some(n) if offset == 0 && n <= len => Attempt::Done(n),
        _ => Attempt::Fail(Error::unsupported(format!(
            "the server ignores Range requests (it answered 200 with the whole{} object, not downloaded); \
             cogtool reads remote files by range only: download it first",
            size
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_range_parsing() {
        assert_eq!(parse_content_range("bytes 0-16383/100000"), Some((Some((0, 16383)), 100000)));
        assert_eq!(parse_content_range("bytes */0"), Some((None, 0)));
        assert_eq!(parse_content_range("bytes 5-4/10"), None);
        assert_eq!(parse_content_range("bytes 0-10/10"), None);
        assert_eq!(parse_content_range("bytes 0-1/*"), None);
        assert_eq!(parse_content_range("items 0-1/5"), None);
    }
}
