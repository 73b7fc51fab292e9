//! Upload a finished local file to `s3://bucket/key` (used by `create`).
//! Large files go up as a multipart upload: parts of at least 8 MiB (more
//! when needed to stay within S3's 10,000 parts), several in flight at once
//! (`--concurrency`), each streamed from the file by offset so the output is
//! never held in memory twice. Any failure, and Ctrl-C, aborts the multipart
//! upload: S3 keeps (and bills) the parts of an upload that is neither
//! completed nor aborted.

use super::retry::{self, Attempt};
use super::s3::{self, parse_url};
use super::target::{BoxFut, Stored, Target};
use super::{OpenOptions, runtime};
use crate::{Error, Result};
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::{ByteStream, Length};
use aws_sdk_s3::types::{ChecksumAlgorithm, CompletedMultipartUpload, CompletedPart, RequestPayer};
use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

/// Smallest part cogtool sends (S3's minimum is 5 MiB; 8 MiB is the AWS
/// CLI's default and keeps the part count low).
pub const MIN_PART: u64 = 8 * 1024 * 1024;
/// S3's limits.
pub const MAX_PARTS: u64 = 10_000;
pub const MAX_OBJECT: u64 = 5 * 1024 * 1024 * 1024 * 1024;

/// What an upload did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadReport {
    pub bytes: u64,
    /// Size of each part in number order; empty for a single request.
    pub parts: Vec<u64>,
    /// What that single request is called on this cloud (`PutObject`).
    pub single: &'static str,
}

impl UploadReport {
    /// How it went up, with the real sizes, runs of equal parts grouped:
    /// `one PutObject` (`one Put Blob`...), `3 parts: 2 x 8388608, 5242880 bytes`.
    pub fn describe(&self) -> String {
        if self.parts.is_empty() {
            return format!("one {}", self.single);
        }
        let mut runs: Vec<(u64, usize)> = Vec::new();
        for &p in &self.parts {
            match runs.last_mut() {
                Some((size, n)) if *size == p => *n += 1,
                _ => runs.push((p, 1)),
            }
        }
        let sizes: Vec<String> =
            runs.iter().map(|&(s, n)| if n == 1 { s.to_string() } else { format!("{} x {}", n, s) }).collect();
        let n = self.parts.len();
        format!("{} part{}: {} bytes", n, if n == 1 { "" } else { "s" }, sizes.join(", "))
    }
}

/// Part size for a file of `len` bytes: at least [`MIN_PART`], whole MiB,
/// large enough that at most [`MAX_PARTS`] parts are needed.
pub fn part_size(len: u64) -> u64 {
    const MIB: u64 = 1024 * 1024;
    let needed = len.div_ceil(MAX_PARTS).div_ceil(MIB) * MIB;
    needed.max(MIN_PART)
}

/// Upload `path` to `dest` (`s3://bucket/key`), to the end or to the first
/// failure (the multipart upload is then aborted).
pub fn upload_file(path: &Path, dest: &str, options: &OpenOptions) -> Result<UploadReport> {
    upload_file_until(path, dest, options, std::future::pending::<()>())
}

/// Like [`upload_file`], but cancelled (and the multipart upload aborted)
/// when `cancel` completes (e.g. [`crate::Cancel::cancelled`]). Must not be
/// called from inside a tokio runtime.
pub fn upload_file_until(
    path: &Path,
    dest: &str,
    options: &OpenOptions,
    cancel: impl Future<Output = ()> + Send,
) -> Result<UploadReport> {
    let len = std::fs::metadata(path)
        .map_err(|e| Error::io(format!("{}: {}", path.display(), crate::error::describe_io(&e))))?
        .len();
    if len > MAX_OBJECT {
        return Err(Error::limit(format!("{}: {} bytes is beyond S3's 5 TiB object limit", dest, len)));
    }
    let mut up = Uploader::new(dest, options)?;
    up.path = Some(path.to_path_buf());
    let up = Arc::new(up);
    let part = part_size(len);
    if len < part {
        let whole = Body::File { offset: 0, len };
        runtime::block_on(async {
            tokio::select! {
                r = up.put_whole(&whole) => r,
                _ = cancel => Err(Error::interrupted(format!("{}: upload interrupted", dest))),
            }
        })?;
        return Ok(UploadReport { bytes: len, parts: Vec::new(), single: "PutObject" });
    }
    let concurrency = options.concurrency.max(1);
    runtime::block_on(async {
        let upload_id = up.create(false).await?;
        let result = tokio::select! {
            r = up.clone().put_parts(&upload_id, len, part, concurrency) => r,
            _ = cancel => Err(Error::interrupted(format!("{}: upload interrupted, multipart upload aborted", dest))),
        };
        // On a failed part, put_parts returned once the parts in flight had
        // settled. On cancel it is dropped, which stops them mid-request: a
        // part the server was still storing could land after the abort.
        match result {
            Ok(parts) => match up.complete(&upload_id, parts).await {
                Ok(()) => Ok(()),
                Err(e) => {
                    up.abort(&upload_id).await;
                    Err(e)
                }
            },
            Err(e) => {
                up.abort(&upload_id).await;
                Err(e)
            }
        }
    })?;
    let parts = (0..len.div_ceil(part)).map(|i| part.min(len - i * part)).collect();
    Ok(UploadReport { bytes: len, parts, single: "PutObject" })
}

/// What one request sends: a range of the finished file, or bytes in
/// memory (a streamed part) with their CRC32, which S3 checks.
pub(crate) enum Body {
    File { offset: u64, len: u64 },
    Bytes { data: bytes::Bytes, crc32: String },
}

impl Body {
    /// In-memory bytes with their checksum (base64 of the big-endian CRC32,
    /// as the `x-amz-checksum-crc32` header carries it).
    pub(crate) fn bytes(data: bytes::Bytes) -> Body {
        let crc32 = aws_smithy_types::base64::encode(crc32fast::hash(&data).to_be_bytes());
        Body::Bytes { data, crc32 }
    }

    pub(crate) fn len(&self) -> u64 {
        match self {
            Body::File { len, .. } => *len,
            Body::Bytes { data, .. } => data.len() as u64,
        }
    }

    fn crc32(&self) -> Option<String> {
        match self {
            Body::File { .. } => None,
            Body::Bytes { crc32, .. } => Some(crc32.clone()),
        }
    }
}

/// One object being written: the client, where, and how requests are
/// retried and logged.
pub(crate) struct Uploader {
    client: aws_sdk_s3::Client,
    pub(crate) url: String,
    bucket: String,
    key: String,
    /// The finished file, for [`Body::File`].
    path: Option<std::path::PathBuf>,
    request_payer: bool,
    retries: u32,
    verbose: bool,
    /// Fail instead of replacing an object that appeared meanwhile
    /// (`If-None-Match: *` on the write that creates the object).
    pub(crate) if_absent: bool,
}

impl Uploader {
    pub(crate) fn new(dest: &str, options: &OpenOptions) -> Result<Uploader> {
        let (bucket, key) = parse_url(dest)?;
        Ok(Uploader {
            client: runtime::block_on(s3::client(options)),
            url: dest.to_string(),
            bucket,
            key,
            path: None,
            request_payer: options.request_payer,
            retries: options.retries,
            verbose: options.verbose,
            if_absent: false,
        })
    }

    fn payer(&self) -> Option<RequestPayer> {
        self.request_payer.then_some(RequestPayer::Requester)
    }

    fn log(&self, what: &str, t0: Instant, ok: std::result::Result<(), String>) {
        if self.verbose {
            let status = ok.map_or_else(|e| format!("failed ({})", e), |()| "ok".to_string());
            eprintln!("cogtool: {} {} -> {}, {} ms", what, self.url, status, t0.elapsed().as_millis());
        }
    }

    /// Classify an SDK error of an upload call.
    fn classify<E>(&self, what: &str, e: &SdkError<E, HttpResponse>) -> Attempt<()>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let status = e.raw_response().map(|r| r.status().as_u16());
        match s3::sdk_error(&self.url, e, status, None) {
            Attempt::Retry(m) => Attempt::Retry(format!("{}: {}", what, m)),
            Attempt::Fail(err) => Attempt::Fail(Error::io(format!("{}: {} failed: {}", self.url, what, err.message))),
            Attempt::Done(_) => Attempt::Done(()),
        }
    }

    async fn body(&self, body: &Body) -> std::result::Result<ByteStream, String> {
        match body {
            Body::Bytes { data, .. } => Ok(ByteStream::from(data.clone())),
            Body::File { offset, len } => {
                let path = self.path.as_ref().ok_or("internal error: no file to upload")?;
                ByteStream::read_from()
                    .path(path)
                    .offset(*offset)
                    .length(Length::Exact(*len))
                    .build()
                    .await
                    .map_err(|e| format!("{}: {}", path.display(), DisplayErrorContext(&e)))
            }
        }
    }

    pub(crate) async fn put_whole(&self, body: &Body) -> Result<()> {
        retry::run(self.retries, &self.url, |_| async move {
            let t0 = Instant::now();
            let stream = match self.body(body).await {
                Ok(b) => b,
                Err(m) => return Attempt::Fail(Error::io(m)),
            };
            let r = self
                .client
                .put_object()
                .bucket(&self.bucket)
                .key(&self.key)
                .content_length(body.len() as i64)
                .content_type("image/tiff")
                .set_checksum_crc32(body.crc32())
                .set_if_none_match(self.if_absent.then(|| "*".to_string()))
                .set_request_payer(self.payer())
                .body(stream)
                .send()
                .await;
            let a = match &r {
                Ok(_) => Attempt::Done(()),
                Err(e) => self.classify("PutObject", e),
            };
            self.log("PUT", t0, attempt_status(&a));
            a
        })
        .await
    }

    /// Start a multipart upload; `checksums`: every part will carry its
    /// CRC32 (S3 then requires and checks them).
    pub(crate) async fn create(&self, checksums: bool) -> Result<String> {
        retry::run(self.retries, &self.url, |_| async move {
            let t0 = Instant::now();
            let r = self
                .client
                .create_multipart_upload()
                .bucket(&self.bucket)
                .key(&self.key)
                .content_type("image/tiff")
                .set_checksum_algorithm(checksums.then_some(ChecksumAlgorithm::Crc32))
                .set_request_payer(self.payer())
                .send()
                .await;
            let a = match r {
                Ok(o) => match o.upload_id {
                    Some(id) => Attempt::Done(id),
                    None => {
                        Attempt::Fail(Error::io(format!("{}: CreateMultipartUpload returned no upload id", self.url)))
                    }
                },
                Err(e) => match self.classify("CreateMultipartUpload", &e) {
                    Attempt::Retry(m) => Attempt::Retry(m),
                    Attempt::Fail(e) => Attempt::Fail(e),
                    Attempt::Done(()) => unreachable!(),
                },
            };
            self.log("POST (create multipart upload)", t0, attempt_status(&a));
            a
        })
        .await
    }

    pub(crate) async fn put_part(&self, upload_id: &str, number: i32, body: &Body) -> Result<CompletedPart> {
        let len = body.len();
        retry::run(self.retries, &self.url, |_| async move {
            let t0 = Instant::now();
            let stream = match self.body(body).await {
                Ok(b) => b,
                Err(m) => return Attempt::Fail(Error::io(m)),
            };
            let r = self
                .client
                .upload_part()
                .bucket(&self.bucket)
                .key(&self.key)
                .upload_id(upload_id)
                .part_number(number)
                .content_length(len as i64)
                .set_checksum_crc32(body.crc32())
                .set_request_payer(self.payer())
                .body(stream)
                .send()
                .await;
            let a = match r {
                Ok(o) => Attempt::Done(
                    CompletedPart::builder()
                        .set_e_tag(o.e_tag)
                        .set_checksum_crc32(body.crc32())
                        .part_number(number)
                        .build(),
                ),
                Err(e) => match self.classify(&format!("UploadPart {}", number), &e) {
                    Attempt::Retry(m) => Attempt::Retry(m),
                    Attempt::Fail(e) => Attempt::Fail(e),
                    Attempt::Done(()) => unreachable!(),
                },
            };
            self.log(&format!("PUT part {} ({} bytes)", number, len), t0, attempt_status(&a));
            a
        })
        .await
    }

    /// Part `number` copied by the server from bytes [offset, offset+len)
    /// of `source` (`s3://bucket/key` in the same account): UploadPartCopy.
    pub(crate) async fn copy_part(
        &self,
        upload_id: &str,
        number: i32,
        source: &str,
        offset: u64,
        len: u64,
    ) -> Result<CompletedPart> {
        let (sb, sk) = parse_url(source)?;
        let copy_source = format!("{}/{}", sb, percent_encode_key(&sk));
        let range = format!("bytes={}-{}", offset, offset + len - 1);
        retry::run(self.retries, &self.url, |_| {
            let (copy_source, range) = (copy_source.clone(), range.clone());
            async move {
                let t0 = Instant::now();
                let r = self
                    .client
                    .upload_part_copy()
                    .bucket(&self.bucket)
                    .key(&self.key)
                    .upload_id(upload_id)
                    .part_number(number)
                    .copy_source(copy_source)
                    .copy_source_range(range)
                    .set_request_payer(self.payer())
                    .send()
                    .await;
                let a = match r {
                    Ok(o) => {
                        let res = o.copy_part_result();
                        Attempt::Done(
                            CompletedPart::builder()
                                .set_e_tag(res.and_then(|c| c.e_tag().map(String::from)))
                                .set_checksum_crc32(res.and_then(|c| c.checksum_crc32().map(String::from)))
                                .part_number(number)
                                .build(),
                        )
                    }
                    Err(e) => match self.classify(&format!("UploadPartCopy {}", number), &e) {
                        Attempt::Retry(m) => Attempt::Retry(m),
                        Attempt::Fail(e) => Attempt::Fail(e),
                        Attempt::Done(()) => unreachable!(),
                    },
                };
                self.log(
                    &format!("PUT part {} ({} bytes copied from {})", number, len, source),
                    t0,
                    attempt_status(&a),
                );
                a
            }
        })
        .await
    }

    /// All parts, at most `concurrency` in flight. Returns on the first
    /// failure, once the parts still in flight have settled (see
    /// [`super::target::settle`]), so that the caller's abort comes last.
    async fn put_parts(
        self: Arc<Self>,
        upload_id: &str,
        len: u64,
        part: u64,
        concurrency: usize,
    ) -> Result<Vec<CompletedPart>> {
        let count = len.div_ceil(part);
        let mut tasks = tokio::task::JoinSet::new();
        let mut done: Vec<CompletedPart> = Vec::with_capacity(count as usize);
        let mut next = 0u64;
        while next < count || !tasks.is_empty() {
            while next < count && tasks.len() < concurrency {
                let (up, id) = (self.clone(), upload_id.to_string());
                let offset = next * part;
                let n = part.min(len - offset);
                let number = (next + 1) as i32;
                tasks.spawn(async move { up.put_part(&id, number, &Body::File { offset, len: n }).await });
                next += 1;
            }
            let failed = match tasks.join_next().await {
                Some(Ok(Ok(p))) => {
                    done.push(p);
                    continue;
                }
                Some(Ok(Err(e))) => e,
                Some(Err(e)) => Error::io(format!("{}: upload task failed: {}", self.url, e)),
                None => break,
            };
            super::target::settle(&mut tasks).await;
            return Err(failed);
        }
        done.sort_by_key(|p| p.part_number());
        Ok(done)
    }

    pub(crate) async fn complete(&self, upload_id: &str, parts: Vec<CompletedPart>) -> Result<()> {
        let parts = CompletedMultipartUpload::builder().set_parts(Some(parts)).build();
        retry::run(self.retries, &self.url, |_| {
            let parts = parts.clone();
            async move {
                let t0 = Instant::now();
                let r = self
                    .client
                    .complete_multipart_upload()
                    .bucket(&self.bucket)
                    .key(&self.key)
                    .upload_id(upload_id)
                    .multipart_upload(parts)
                    .set_if_none_match(self.if_absent.then(|| "*".to_string()))
                    .set_request_payer(self.payer())
                    .send()
                    .await;
                let a = match &r {
                    Ok(_) => Attempt::Done(()),
                    Err(e) => self.classify("CompleteMultipartUpload", e),
                };
                self.log("POST (complete multipart upload)", t0, attempt_status(&a));
                a
            }
        })
        .await
    }

    /// Best effort, retried: a failed abort is reported on stderr with the
    /// upload id so the user can clean up by hand.
    pub(crate) async fn abort(&self, upload_id: &str) {
        let r = retry::run(self.retries, &self.url, |_| async move {
            let t0 = Instant::now();
            let r = self
                .client
                .abort_multipart_upload()
                .bucket(&self.bucket)
                .key(&self.key)
                .upload_id(upload_id)
                .set_request_payer(self.payer())
                .send()
                .await;
            let a = match &r {
                Ok(_) => Attempt::Done(()),
                Err(e) => self.classify("AbortMultipartUpload", e),
            };
            self.log("DELETE (abort multipart upload)", t0, attempt_status(&a));
            a
        })
        .await;
        if let Err(e) = r {
            eprintln!(
                "cogtool: {}: could not abort multipart upload {} ({}); remove it with \
                 `aws s3api abort-multipart-upload --bucket {} --key {} --upload-id {}`",
                self.url, upload_id, e, self.bucket, self.key, upload_id
            );
        }
    }
}

/// S3 as a [`Target`] of [`super::multipart::PartUpload`]: one multipart
/// upload whose parts carry their CRC32.
impl Target for Uploader {
    fn url(&self) -> &str {
        &self.url
    }
    fn mechanism(&self) -> &'static str {
        "multipart upload"
    }
    fn single(&self) -> &'static str {
        "PutObject"
    }
    fn begin(&self) -> BoxFut<'_, Result<String>> {
        Box::pin(self.create(true))
    }
    fn put_part<'a>(&'a self, id: &'a str, number: u32, data: bytes::Bytes) -> BoxFut<'a, Result<Stored>> {
        Box::pin(async move {
            let body = Body::bytes(data);
            let p = Uploader::put_part(self, id, number as i32, &body).await?;
            Ok(stored(p, body.len()))
        })
    }
    fn copy_part<'a>(
        &'a self,
        id: &'a str,
        number: u32,
        source: &'a str,
        offset: u64,
        len: u64,
    ) -> BoxFut<'a, Result<Stored>> {
        Box::pin(
            async move { Ok(stored(Uploader::copy_part(self, id, number as i32, source, offset, len).await?, len)) },
        )
    }
    fn copies_from(&self, source: &str) -> bool {
        super::scheme(source) == super::Scheme::S3
    }
    fn complete<'a>(&'a self, id: &'a str, parts: Vec<Stored>) -> BoxFut<'a, Result<()>> {
        let parts = parts
            .into_iter()
            .map(|p| {
                CompletedPart::builder()
                    .e_tag(p.tag)
                    .set_checksum_crc32(p.checksum)
                    .part_number(p.number as i32)
                    .build()
            })
            .collect();
        Box::pin(Uploader::complete(self, id, parts))
    }
    fn abort<'a>(&'a self, id: &'a str) -> BoxFut<'a, ()> {
        Box::pin(Uploader::abort(self, id))
    }
    fn put_whole(&self, data: bytes::Bytes) -> BoxFut<'_, Result<()>> {
        Box::pin(async move { Uploader::put_whole(self, &Body::bytes(data)).await })
    }
}

fn stored(p: CompletedPart, len: u64) -> Stored {
    Stored {
        number: p.part_number().unwrap_or(0) as u32,
        tag: p.e_tag().unwrap_or_default().to_string(),
        checksum: p.checksum_crc32().map(String::from),
        len,
    }
}

/// A key as `x-amz-copy-source` wants it: URL-encoded, `/` kept.
fn percent_encode_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for b in key.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{:02X}", b)),
        }
    }
    out
}

fn attempt_status<T>(a: &Attempt<T>) -> std::result::Result<(), String> {
    match a {
        Attempt::Done(_) => Ok(()),
        Attempt::Retry(m) => Err(m.clone()),
        Attempt::Fail(e) => Err(e.message.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_name_the_real_part_sizes() {
        let r = |parts: &[u64]| {
            UploadReport { bytes: parts.iter().sum(), parts: parts.to_vec(), single: "PutObject" }.describe()
        };
        assert_eq!(r(&[]), "one PutObject");
        assert_eq!(r(&[MIN_PART]), "1 part: 8388608 bytes");
        assert_eq!(r(&[MIN_PART, MIN_PART]), "2 parts: 2 x 8388608 bytes");
        assert_eq!(r(&[MIN_PART, MIN_PART, 5 << 20]), "3 parts: 2 x 8388608, 5242880 bytes");
        assert_eq!(r(&[9 << 20, MIN_PART, MIN_PART, 7]), "4 parts: 9437184, 2 x 8388608, 7 bytes");
    }

    #[test]
    fn part_sizes() {
        const MIB: u64 = 1024 * 1024;
        assert_eq!(part_size(0), MIN_PART);
        assert_eq!(part_size(100 * MIB), MIN_PART);
        // 80 GiB / 10,000 = 8.19 MiB -> 9 MiB parts.
        assert_eq!(part_size(80 * 1024 * MIB), 9 * MIB);
        for len in [1, 8 * MIB, 78_125 * MIB, 78_126 * MIB, MAX_OBJECT] {
            let p = part_size(len);
            assert!(p >= MIN_PART && p.is_multiple_of(MIB));
            assert!(len.div_ceil(p) <= MAX_PARTS, "{len}: {p}");
        }
    }
}
