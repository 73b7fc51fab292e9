//! `s3://bucket/key` sources with the AWS SDK: the full credential chain
//! (environment, `~/.aws` profiles, SSO, web identity, IMDS), custom
//! endpoints (MinIO, R2, Ceph: path-style addressing), anonymous reads and
//! requester-pays buckets. Reads are ranged GetObject calls; the SDK's own
//! retries are off because [`super::retry`] retries whole reads (including
//! a body cut off mid-way, which the SDK cannot retry).

use super::remote::{self, Fetch, Got, Response};
use super::retry::{Attempt, status_is_retryable};
use super::{OpenOptions, runtime};
use crate::{Error, Result};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::types::RequestPayer;
use std::time::Duration;

/// `s3://bucket/key` split; the key may contain any characters.
pub fn parse_url(url: &str) -> Result<(String, String)> {
    let rest = url
        .get(5..)
        .filter(|_| url[..5].eq_ignore_ascii_case("s3://"))
        .ok_or_else(|| Error::usage(format!("{}: not an s3:// URL", url)))?;
    match rest.split_once('/') {
        Some((b, k)) if !b.is_empty() && !k.is_empty() => Ok((b.to_string(), k.to_string())),
        _ => Err(Error::usage(format!("{}: expected s3://bucket/key", url))),
    }
}

/// The endpoint to use: `--endpoint-url`, else AWS_ENDPOINT_URL_S3, else
/// AWS_ENDPOINT_URL (the AWS CLI's order).
fn endpoint(options: &OpenOptions) -> Option<String> {
    options
        .endpoint_url
        .clone()
        .or_else(|| std::env::var("AWS_ENDPOINT_URL_S3").ok())
        .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok())
        .filter(|s| !s.is_empty())
}

/// Build an S3 client from the options and the usual AWS configuration.
/// Must run inside the runtime (the SDK spawns its connection tasks there).
pub async fn client(options: &OpenOptions) -> aws_sdk_s3::Client {
    use aws_config::meta::region::RegionProviderChain;
    use aws_config::{BehaviorVersion, Region};
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(10))
                .read_timeout(Duration::from_secs(30))
                .build(),
        );
    if let Some(p) = &options.profile {
        loader = loader.profile_name(p);
    }
    // Region: the flag, else environment, else profile, else us-east-1. Not
    // the default chain's last step (EC2 instance metadata): off EC2 it costs
    // seconds of timeouts on every run.
    let region = match &options.region {
        Some(r) => RegionProviderChain::first_try(Region::new(r.clone())),
        None => {
            let mut profile = aws_config::profile::region::ProfileFileRegionProvider::builder();
            if let Some(p) = &options.profile {
                profile = profile.profile_name(p);
            }
            RegionProviderChain::first_try(aws_config::environment::EnvironmentVariableRegionProvider::new())
                .or_else(profile.build())
                .or_else(Region::from_static("us-east-1"))
        }
    };
    loader = loader.region(region);
    if options.no_sign_request {
        loader = loader.no_credentials();
    }
    let sdk = loader.load().await;
    let mut conf = aws_sdk_s3::config::Builder::from(&sdk)
        // Checksums only where S3 demands them: ranged reads cannot be
        // checked against a whole-object checksum, and S3-compatible servers
        // differ in their support of the streaming (aws-chunked) variant.
        .request_checksum_calculation(aws_sdk_s3::config::RequestChecksumCalculation::WhenRequired)
        .response_checksum_validation(aws_sdk_s3::config::ResponseChecksumValidation::WhenRequired);
    if let Some(ep) = endpoint(options) {
        conf = conf.endpoint_url(ep).force_path_style(true);
    }
    aws_sdk_s3::Client::from_conf(conf.build())
}

pub struct S3 {
    url: String,
    bucket: String,
    key: String,
    client: aws_sdk_s3::Client,
    request_payer: bool,
}

impl S3 {
    /// One client per set of S3 options serves every object of a run (the
    /// AWS configuration is read once, connections are reused).
    pub fn new(url: &str, options: &OpenOptions) -> Result<Self> {
        static CLIENTS: std::sync::Mutex<Vec<(String, aws_sdk_s3::Client)>> = std::sync::Mutex::new(Vec::new());
        let (bucket, key) = parse_url(url)?;
        let id = format!("{:?}", (&options.profile, &options.region, endpoint(options), options.no_sign_request));
        let mut clients = CLIENTS.lock().unwrap_or_else(|p| p.into_inner());
        let client = match clients.iter().find(|(k, _)| *k == id) {
            Some((_, c)) => c.clone(),
            None => {
                let c = runtime::block_on(client(options));
                clients.push((id, c.clone()));
                c
            }
        };
        Ok(S3 { url: url.to_string(), bucket, key, client, request_payer: options.request_payer })
    }

    async fn attempt(&self, offset: u64, len: u64, if_match: Option<&str>) -> Response {
        let mut req = self.client.get_object().bucket(&self.bucket).key(&self.key).range(format!(
            "bytes={}-{}",
            offset,
            offset + len - 1
        ));
        if let Some(tag) = if_match {
            req = req.if_match(tag);
        }
        if self.request_payer {
            req = req.request_payer(RequestPayer::Requester);
        }
        let out = match req.send().await {
            Ok(o) => o,
            Err(e) => {
                let status = e.raw_response().map(|r| r.status().as_u16());
                if status == Some(416) && offset == 0 {
                    // No range of an empty object can be satisfied: learn
                    // the size (Content-Range `bytes */0`, else a HEAD).
                    return self.unsatisfiable_first_read(&e, if_match).await;
                }
                return Response { status, outcome: sdk_error(&self.url, &e, status, if_match) };
            }
        };
        let etag = out.e_tag().map(str::to_string);
        let (total, want, status) = match out.content_range().and_then(remote::parse_content_range) {
            Some((span, total)) => {
                if let Err(e) = remote::check_span(span, total, offset, len) {
                    return Response { status: Some(206), outcome: Attempt::Fail(e) };
                }
                (total, span.map(|(a, b)| b - a + 1).unwrap_or(0), 206)
            }
            None => {
                let n = out.content_length().and_then(|n| u64::try_from(n).ok());
                match remote::whole_object_answer(offset, len, n) {
                    Attempt::Done(n) => (n, n, 200),
                    other => {
                        let outcome = match other {
                            Attempt::Fail(e) => Attempt::Fail(e),
                            Attempt::Retry(m) => Attempt::Retry(m),
                            Attempt::Done(_) => unreachable!(),
                        };
                        return Response { status: Some(200), outcome };
                    }
                }
            }
        };
        let mut body = out.body;
        let mut data = Vec::with_capacity(want.min(64 << 20) as usize);
        loop {
            match body.next().await {
                Some(Ok(chunk)) => {
                    if data.len() as u64 + chunk.len() as u64 > want {
                        return retry(status, format!("server sent more than the {} bytes announced", want));
                    }
                    data.extend_from_slice(&chunk);
                }
                Some(Err(e)) => {
                    return retry(
                        status,
                        format!("connection lost after {} of {} bytes ({})", data.len(), want, remote::error_chain(&e)),
                    );
                }
                None => break,
            }
        }
        if (data.len() as u64) < want {
            return retry(status, format!("connection closed after {} of {} bytes", data.len(), want));
        }
        Response { status: Some(status), outcome: Attempt::Done(Got { data, total, etag }) }
    }
}

impl S3 {
    /// A 416 to a read at offset 0: an empty object (answered as one, with
    /// its ETag) or a real error.
    async fn unsatisfiable_first_read<E>(
        &self,
        e: &SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
        if_match: Option<&str>,
    ) -> Response
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let header_total = e
            .raw_response()
            .and_then(|r| r.headers().get("content-range"))
            .and_then(remote::parse_content_range)
            .map(|(_, total)| total);
        let (total, etag) = match header_total {
            Some(t) => (Some(t), None),
            None => {
                let mut head = self.client.head_object().bucket(&self.bucket).key(&self.key);
                if self.request_payer {
                    head = head.request_payer(RequestPayer::Requester);
                }
                match head.send().await {
                    Ok(h) => (h.content_length().and_then(|n| u64::try_from(n).ok()), h.e_tag().map(str::to_string)),
                    Err(_) => (None, None),
                }
            }
        };
        if total == Some(0) {
            return Response { status: Some(416), outcome: Attempt::Done(Got { data: Vec::new(), total: 0, etag }) };
        }
        Response { status: Some(416), outcome: sdk_error(&self.url, e, Some(416), if_match) }
    }
}

/// Whether `s3://bucket/key` exists (a HEAD): Some(true/false), or None when
/// the answer says neither (no permission to read it, a network problem);
/// the write that follows reports real problems itself.
pub fn object_exists(url: &str, options: &OpenOptions) -> Result<Option<bool>> {
    let (bucket, key) = parse_url(url)?;
    runtime::block_on(async {
        let c = client(options).await;
        let mut head = c.head_object().bucket(&bucket).key(&key);
        if options.request_payer {
            head = head.request_payer(RequestPayer::Requester);
        }
        match head.send().await {
            Ok(_) => Ok(Some(true)),
            Err(e) if e.raw_response().map(|r| r.status().as_u16()) == Some(404) => Ok(Some(false)),
            // No credentials: say so now, not after the whole conversion.
            Err(e) if is_missing_credentials(&remote::error_chain(&e)) => Err(no_credentials()),
            Err(_) => Ok(None),
        }
    })
}

/// The TIFFs under `s3://bucket/prefix/` (keys ending in .tif or .tiff,
/// any case), as URLs in key order: ListObjectsV2, page by page.
pub fn list_tiffs(url: &str, options: &OpenOptions) -> Result<Vec<String>> {
    Ok(super::list_objects(url, options)?
        .into_iter()
        .map(|(u, _)| u)
        .filter(|u| {
            let lower = u.to_ascii_lowercase();
            lower.ends_with(".tif") || lower.ends_with(".tiff")
        })
        .collect())
}

fn bucket_and_prefix(url: &str) -> Result<(String, String)> {
    let rest = url
        .get(5..)
        .filter(|_| url[..5].eq_ignore_ascii_case("s3://"))
        .ok_or_else(|| Error::usage(format!("{}: not an s3:// URL", url)))?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        return Err(Error::usage(format!("{}: expected s3://bucket/prefix/", url)));
    }
    Ok((bucket.to_string(), prefix.to_string()))
}

/// Every object under `s3://bucket/prefix` as (URL, size), in key order:
/// ListObjectsV2, page by page.
pub fn list_objects(url: &str, options: &OpenOptions) -> Result<Vec<(String, u64)>> {
    let (bucket, prefix) = bucket_and_prefix(url)?;
    runtime::block_on(async {
        let c = client(options).await;
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut req = c.list_objects_v2().bucket(&bucket).prefix(&prefix);
            if let Some(t) = &token {
                req = req.continuation_token(t);
            }
            if options.request_payer {
                req = req.request_payer(RequestPayer::Requester);
            }
            let page = req.send().await.map_err(|e| {
                let chain = remote::error_chain(&e);
                if is_missing_credentials(&chain) {
                    no_credentials()
                } else {
                    Error::io(format!("cannot list {}: {}", url, chain))
                }
            })?;
            for o in page.contents() {
                if let Some(k) = o.key() {
                    out.push((format!("s3://{}/{}", bucket, k), o.size().unwrap_or(0).max(0) as u64));
                }
            }
            match page.next_continuation_token() {
                Some(t) if page.is_truncated() == Some(true) => token = Some(t.to_string()),
                _ => break,
            }
        }
        Ok(out)
    })
}

/// Remove everything under `s3://bucket/prefix`: its objects, and the
/// multipart uploads left open there (by a worker that was killed).
pub fn delete_prefix(url: &str, options: &OpenOptions) -> Result<()> {
    let (bucket, prefix) = bucket_and_prefix(url)?;
    let objects = list_objects(url, options)?;
    runtime::block_on(async {
        let c = client(options).await;
        let fail = |what: &str, e: String| Error::io(format!("cannot remove {}: {}: {}", url, what, e));
        for (u, _) in &objects {
            let key = &u[5 + bucket.len() + 1..];
            c.delete_object()
                .bucket(&bucket)
                .key(key)
                .send()
                .await
                .map_err(|e| fail("DeleteObject", remote::error_chain(&e)))?;
        }
        let open = c
            .list_multipart_uploads()
            .bucket(&bucket)
            .prefix(&prefix)
            .send()
            .await
            .map_err(|e| fail("ListMultipartUploads", remote::error_chain(&e)))?;
        for up in open.uploads() {
            if let (Some(k), Some(id)) = (up.key(), up.upload_id()) {
                c.abort_multipart_upload()
                    .bucket(&bucket)
                    .key(k)
                    .upload_id(id)
                    .send()
                    .await
                    .map_err(|e| fail("AbortMultipartUpload", remote::error_chain(&e)))?;
            }
        }
        Ok(())
    })
}

/// Put the bytes of a small object (a manifest, a list of sizes).
pub fn put_small(url: &str, data: Vec<u8>, options: &OpenOptions) -> Result<()> {
    let (bucket, key) = parse_url(url)?;
    runtime::block_on(async {
        let c = client(options).await;
        c.put_object()
            .bucket(&bucket)
            .key(&key)
            .body(data.into())
            .send()
            .await
            .map(|_| ())
            .map_err(|e| Error::io(format!("{}: PutObject failed: {}", url, remote::error_chain(&e))))
    })
}

/// Whether an SDK error chain says no credentials could be found (with
/// instance metadata disabled or unreachable, the SDK lists each provider).
fn is_missing_credentials(chain: &str) -> bool {
    chain.contains("no credentials found")
        || chain.contains("credential provider")
        || chain.contains("IMDS is disabled")
}

/// One line instead of the SDK's list of credential providers tried.
pub fn no_credentials() -> Error {
    Error::io(
        "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE (or --profile) \
         naming a profile of ~/.aws/config; for a public bucket use --no-sign-request",
    )
}

fn retry(status: u16, msg: String) -> Response {
    Response { status: Some(status), outcome: Attempt::Retry(msg) }
}

/// The advice for a 403 from S3, shared with uploads.
pub fn access_denied(detail: &str) -> Error {
    Error::io(format!(
        "access denied (HTTP 403{}); for a public bucket try --no-sign-request, for a \
         requester-pays bucket --request-payer requester, otherwise check the credentials \
         (--profile, AWS_PROFILE, AWS_ACCESS_KEY_ID) and the region (--region)",
        if detail.is_empty() { String::new() } else { format!(": {}", detail) }
    ))
}

/// Map an SDK error to retry-or-fail with a message worth reading. Only the
/// 404 messages name the URL (the caller's report names the source).
pub fn sdk_error<E, R>(url: &str, e: &SdkError<E, R>, status: Option<u16>, if_match: Option<&str>) -> Attempt<Got>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match e {
        SdkError::ServiceError(se) => {
            let code = se.err().code().unwrap_or("");
            let msg = se.err().message().unwrap_or("");
            let status = status.unwrap_or(0);
            let detail = [code, msg].iter().filter(|s| !s.is_empty()).cloned().collect::<Vec<_>>().join(": ");
            match (status, code) {
                (_, "NoSuchKey") | (404, _) if code != "NoSuchBucket" => {
                    Attempt::Fail(Error::io(format!("not found (HTTP 404): {}", url)))
                }
                (_, "NoSuchBucket") => Attempt::Fail(Error::io(format!("no such bucket (HTTP 404): {}", url))),
                (403, _) | (_, "AccessDenied") => Attempt::Fail(access_denied(&detail)),
                (412, _) | (_, "PreconditionFailed") => Attempt::Fail(remote::changed_error(if_match)),
                (301, _) | (_, "PermanentRedirect") => {
                    Attempt::Fail(Error::io(format!("the bucket is in another region; pass --region ({})", detail)))
                }
                (s, _) if status_is_retryable(s) => Attempt::Retry(format!("HTTP {} {}", s, detail)),
                (_, "SlowDown" | "RequestTimeout" | "InternalError") => {
                    Attempt::Retry(format!("HTTP {} {}", status, detail))
                }
                (s, _) => Attempt::Fail(Error::io(format!("HTTP {} {}", s, detail))),
            }
        }
        SdkError::TimeoutError(_) => Attempt::Retry(format!("timed out ({})", remote::error_chain(e))),
        SdkError::ResponseError(_) => Attempt::Retry(format!("bad response ({})", remote::error_chain(e))),
        SdkError::DispatchFailure(d) if d.is_io() => {
            Attempt::Retry(format!("cannot connect or connection lost ({})", remote::error_chain(e)))
        }
        // A connection closed in the middle of a request (hyper's
        // incomplete message): the SDK marks it transient.
        SdkError::DispatchFailure(d) if d.as_other() == Some(aws_smithy_types::retry::ErrorKind::TransientError) => {
            Attempt::Retry(format!("connection lost ({})", remote::error_chain(e)))
        }
        SdkError::DispatchFailure(d) if d.is_timeout() => {
            Attempt::Retry(format!("timed out ({})", remote::error_chain(e)))
        }
        _ => {
            // Missing credentials come here (a dispatch failure of kind
            // "other"): not worth a retry, and the SDK's text is a list.
            let chain = remote::error_chain(e);
            if is_missing_credentials(&chain) {
                Attempt::Fail(no_credentials())
            } else {
                Attempt::Fail(Error::io(chain.lines().map(str::trim).collect::<Vec<_>>().join("; ")))
            }
        }
    }
}

impl Fetch for S3 {
    async fn get(&self, offset: u64, len: u64, if_match: Option<&str>) -> Response {
        self.attempt(offset, len, if_match).await
    }
    fn url(&self) -> &str {
        &self.url
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(parse_url("s3://b/k/x.tif").unwrap(), ("b".into(), "k/x.tif".into()));
        assert_eq!(parse_url("S3://b/k").unwrap(), ("b".into(), "k".into()));
        assert!(parse_url("s3://b").is_err());
        assert!(parse_url("s3://b/").is_err());
        assert!(parse_url("s3:///k").is_err());
    }
}
