//! `gs://bucket/key` sources (and `https://storage.googleapis.com/bucket/key`)
//! over Google Cloud Storage's JSON API: ranged media downloads, each
//! later read pinned to the generation the first one saw
//! (`ifGenerationMatch`; `If-Match` on the ETag where no generation is
//! reported), so a replaced object is a clear error, never a mix.
//!
//! Credentials are found the way Google's own libraries find them:
//! `STORAGE_EMULATOR_HOST` (an emulator, no credentials), then
//! `GOOGLE_APPLICATION_CREDENTIALS` (a service account key, or any
//! application-default credentials file), then gcloud's
//! application-default file (`gcloud auth application-default login`),
//! then the metadata server, asked only on a Google Compute Engine or GKE
//! machine; else requests are anonymous (public buckets). Tokens come from
//! Apache Arrow's `object_store` credential providers, which refresh them.

use super::cloud::{self, Call, Signer};
use super::remote::{Fetch, Response};
use super::{OpenOptions, runtime};
use crate::{Error, Result};
use std::sync::Arc;

/// The public endpoint.
const GOOGLE: &str = "https://storage.googleapis.com";

/// `gs://bucket/key` or `https://storage.googleapis.com/bucket/key` split.
pub fn parse_url(url: &str) -> Result<(String, String)> {
    let rest = strip_prefix_ci(url, "gs://").or_else(|| strip_prefix_ci(url, "https://storage.googleapis.com/"));
    let Some(rest) = rest else {
        return Err(Error::usage(format!("{}: not a gs:// URL", url)));
    };
    match rest.split_once('/') {
        Some((b, k)) if !b.is_empty() => Ok((b.to_string(), k.to_string())),
        _ if !rest.is_empty() => Ok((rest.to_string(), String::new())),
        _ => Err(Error::usage(format!("{}: expected gs://bucket/key", url))),
    }
}

pub(crate) fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    s.get(..prefix.len()).filter(|p| p.eq_ignore_ascii_case(prefix)).map(|_| &s[prefix.len()..])
}

/// How requests are authorised.
enum Auth {
    /// No credentials: why (for messages).
    Anonymous(String),
    /// Bearer tokens, and where they come from (for messages).
    Bearer(object_store::gcp::GcpCredentialProvider, String),
}

/// A Google Cloud Storage endpoint with its credentials; one per run.
pub struct Gcs {
    pub(crate) base: String,
    http: reqwest::Client,
    auth: Auth,
    pub(crate) retries: u32,
    pub(crate) verbose: bool,
}

impl Gcs {
    /// The client for these options (shared by every object of a run).
    pub fn get(options: &OpenOptions) -> Result<Arc<Gcs>> {
        static CLIENTS: std::sync::Mutex<Vec<(String, Arc<Gcs>)>> = std::sync::Mutex::new(Vec::new());
        let emulator = std::env::var("STORAGE_EMULATOR_HOST").ok().filter(|s| !s.is_empty());
        let id = format!("{:?}", (options.no_sign_request, &emulator, options.retries, options.verbose));
        let mut clients = CLIENTS.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, c)) = clients.iter().find(|(k, _)| *k == id) {
            return Ok(c.clone());
        }
        let base = match &emulator {
            Some(h) if h.contains("://") => h.trim_end_matches('/').to_string(),
            Some(h) => format!("http://{}", h.trim_end_matches('/')),
            None => GOOGLE.to_string(),
        };
        let auth = if options.no_sign_request {
            Auth::Anonymous("--no-sign-request".into())
        } else if emulator.is_some() {
            Auth::Anonymous("STORAGE_EMULATOR_HOST is set".into())
        } else {
            resolve()?
        };
        let c = Arc::new(Gcs {
            base,
            http: super::http::Http::client(&[])?,
            auth,
            retries: options.retries,
            verbose: options.verbose,
        });
        clients.push((id, c.clone()));
        Ok(c)
    }

    /// JSON API URL of an object (`suffix` is the query, without `?`).
    pub(crate) fn object_url(&self, bucket: &str, key: &str, suffix: &str) -> String {
        let q = if suffix.is_empty() { String::new() } else { format!("?{}", suffix) };
        format!("{}/storage/v1/b/{}/o/{}{}", self.base, cloud::encode(bucket), cloud::encode(key), q)
    }

    pub(crate) fn upload_url(&self, bucket: &str, key: &str, suffix: &str) -> String {
        format!(
            "{}/upload/storage/v1/b/{}/o?uploadType=media&name={}{}",
            self.base,
            cloud::encode(bucket),
            cloud::encode(key),
            suffix
        )
    }

    /// Whether `gs://bucket/key` exists (None: not allowed to ask).
    pub fn exists(&self, bucket: &str, key: &str) -> Result<Option<bool>> {
        let call = Call::new(reqwest::Method::GET, self.object_url(bucket, key, "fields=name"));
        let a = runtime::block_on(cloud::send(self, &call, self.retries, self.verbose))?;
        match a.status {
            200 => Ok(Some(true)),
            404 => Ok(Some(false)),
            401 | 403 => Ok(None),
            _ => Err(a.error(self, &format!("gs://{}/{}", bucket, key))),
        }
    }
}

/// The credential chain below the emulator and `--no-sign-request`.
fn resolve() -> Result<Auth> {
    use object_store::gcp::GoogleCloudStorageBuilder;
    // The credential providers do not depend on the bucket.
    let builder = GoogleCloudStorageBuilder::new().with_bucket_name("cogtool");
    let build = |b: GoogleCloudStorageBuilder, from: String| -> Result<Auth> {
        let store = b.build().map_err(|e| Error::usage(format!("Google credentials from {}: {}", from, e)))?;
        Ok(Auth::Bearer(store.credentials().clone(), from))
    };
    if let Some(path) = std::env::var("GOOGLE_APPLICATION_CREDENTIALS").ok().filter(|s| !s.is_empty()) {
        if !std::path::Path::new(&path).is_file() {
            return Err(Error::usage(format!(
                "GOOGLE_APPLICATION_CREDENTIALS={}: no such file; point it at a service account key \
                 or an application-default credentials file",
                path
            )));
        }
        let from = format!("GOOGLE_APPLICATION_CREDENTIALS ({})", path);
        return build(builder.with_application_credentials(&path), from);
    }
    let config = std::env::var_os("CLOUDSDK_CONFIG")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".config/gcloud")));
    if let Some(file) = config.map(|d| d.join("application_default_credentials.json")).filter(|f| f.is_file()) {
        let path = file.to_string_lossy().into_owned();
        let from = format!("gcloud's application-default credentials ({})", path);
        return build(builder.with_application_credentials(&path), from);
    }
    if std::env::var_os("GCE_METADATA_HOST").is_some() || cloud::dmi_says("product_name", "Google") {
        return build(builder, "the GCE metadata server".into());
    }
    Ok(Auth::Anonymous("no Google credentials were found".into()))
}

impl Signer for Gcs {
    async fn prepare(&self, call: &Call) -> Result<reqwest::RequestBuilder> {
        let mut req = self.http.request(call.method.clone(), &call.url);
        for (k, v) in &call.headers {
            req = req.header(k, v);
        }
        if let Auth::Bearer(p, from) = &self.auth {
            let token = p
                .get_credential()
                .await
                .map_err(|e| Error::io(format!("cannot get a Google access token from {}: {}", from, e)))?;
            req = req.bearer_auth(&token.bearer);
        }
        if !call.body.is_empty() || call.method == reqwest::Method::POST || call.method == reqwest::Method::PUT {
            req = req.body(call.body.clone());
        }
        Ok(req)
    }

    fn denied(&self, status: u16) -> String {
        match &self.auth {
            Auth::Anonymous(why) => format!(
                "access denied (HTTP {}) to an anonymous request ({}); set GOOGLE_APPLICATION_CREDENTIALS \
                 to a service account key file, or run `gcloud auth application-default login`",
                status, why
            ),
            Auth::Bearer(_, from) => format!(
                "access denied (HTTP {}) with the credentials from {}; they need storage.objects.get \
                 to read, and storage.objects.create and storage.objects.delete to write",
                status, from
            ),
        }
    }
}

/// One object as a [`Fetch`] backend.
pub struct GcsObject {
    gcs: Arc<Gcs>,
    bucket: String,
    key: String,
    url: String,
}

impl GcsObject {
    pub fn new(url: &str, options: &OpenOptions) -> Result<GcsObject> {
        let (bucket, key) = parse_url(url)?;
        if key.is_empty() {
            return Err(Error::usage(format!("{}: expected gs://bucket/key", url)));
        }
        Ok(GcsObject { gcs: Gcs::get(options)?, bucket, key, url: url.to_string() })
    }
}

impl Fetch for GcsObject {
    async fn get(&self, offset: u64, len: u64, if_match: Option<&str>) -> Response {
        // Pinned to the generation Google reported, else to the ETag.
        let generation = if_match.and_then(|v| v.strip_prefix("x-goog-generation:"));
        let pin = generation.map(|g| format!("&ifGenerationMatch={}", cloud::encode(g))).unwrap_or_default();
        let mut call =
            Call::new(reqwest::Method::GET, self.gcs.object_url(&self.bucket, &self.key, &format!("alt=media{}", pin)))
                .header("range", format!("bytes={}-{}", offset, offset + len - 1));
        if let (Some(tag), None) = (if_match, generation) {
            call = call.header("if-match", tag);
        }
        let generation_header = Some("x-goog-generation");
        cloud::signed_ranged(self.gcs.as_ref(), &call, (offset, len), if_match, generation_header, &self.url).await
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
        assert_eq!(parse_url("gs://b/dir/k.tif").unwrap(), ("b".into(), "dir/k.tif".into()));
        assert_eq!(parse_url("https://storage.googleapis.com/b/k").unwrap(), ("b".into(), "k".into()));
        assert_eq!(parse_url("gs://b").unwrap(), ("b".into(), "".into()));
        assert!(parse_url("gs://").is_err());
        assert!(parse_url("s3://b/k").is_err());
    }
}
