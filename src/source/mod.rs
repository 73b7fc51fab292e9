//! Byte-range sources. TIFF parsing never knows where bytes come from: it
//! asks a [`Reader`] for ranges, and the reader asks a [`RangeSource`]
//! (a local file here; HTTP and S3 plug in behind the same trait).
//!
//! The [`Reader`] owns two policies that matter for remote objects: a
//! read-ahead header cache (the first read fetches `header_bytes`, 16 KiB by
//! default, and later reads near the start grow it in chunks of at least that
//! size, so parsing IFDs never turns into many tiny requests), and request
//! accounting (how many reads, how many bytes) for `-v` and the JSON outputs.
//!
//! Remote sources (`http://`, `https://`, `s3://`, `gs://`, `az://`) share
//! one tokio runtime ([`runtime`]) hidden behind the synchronous trait;
//! [`remote`] holds what they share (first read, ETag pinning, retries,
//! logging), [`http`], [`s3`], [`gcs`] and [`azure`] the backends
//! ([`cloud`]: what the last two share), [`s3_upload`] the S3 upload of a
//! built file, and [`multipart`] the part-by-part writer `create` streams
//! into, over S3 multipart uploads, Google compose or Azure block lists.

pub mod azure;
mod azure_auth;
mod azure_upload;
mod cache;
pub(crate) mod cloud;
pub mod gcs;
mod gcs_upload;
pub mod http;
mod local;
pub(crate) mod mem;
pub mod multipart;
pub(crate) mod remote;
pub(crate) mod retry;
pub mod runtime;
pub mod s3;
pub mod s3_upload;
pub(crate) mod target;

pub use cache::{Reader, Stats};
pub use local::LocalFile;
pub use mem::MemSource;

use crate::Result;
use std::sync::Arc;

/// Where bytes come from. Implementations must be cheap to call concurrently.
pub trait RangeSource: Send + Sync {
    /// Length of the object in bytes. For remote sources this may cost a
    /// request if no read has happened yet.
    fn len(&self) -> Result<u64>;
    /// Whether the object has no bytes (same cost as [`RangeSource::len`]).
    fn is_empty(&self) -> Result<bool> {
        Ok(self.len()? == 0)
    }
    /// Read `len` bytes at `offset`. May return fewer bytes only when the
    /// object ends first.
    fn read_at(&self, offset: u64, len: usize) -> Result<Vec<u8>>;
    /// Read several `(offset, len)` ranges, results in the same order.
    /// Remote sources run them concurrently (`--concurrency`).
    fn read_many(&self, ranges: &[std::ops::Range<u64>]) -> Result<Vec<Vec<u8>>> {
        ranges.iter().map(|r| self.read_at(r.start, (r.end - r.start) as usize)).collect()
    }
    /// What the source itself counted (remote: every HTTP request sent,
    /// retries included). None: the reader's own count is the truth.
    fn stats(&self) -> Option<Stats> {
        None
    }
    /// What names this version of the object (a remote ETag), if anything.
    fn version(&self) -> Option<String> {
        None
    }
    /// True for sources on this machine (GDAL's full check runs on those).
    fn is_local(&self) -> bool;
    /// Whether a sidecar (`x.tif.ovr`, `x.tif.msk`) exists next to it.
    fn sidecar_exists(&self, _suffix: &str) -> bool {
        false
    }
}

/// Default size of the first read: what GDAL's /vsicurl, cogdumper and
/// aiocogeo fetch to open a COG.
pub const DEFAULT_HEADER_BYTES: usize = 16 * 1024;

/// Default number of retries of a failed remote request (`--retries`).
pub const DEFAULT_RETRIES: u32 = 5;
/// Default number of concurrent remote requests (`--concurrency`).
pub const DEFAULT_CONCURRENCY: usize = 8;

/// What kind of place a name points to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Local,
    Http,
    S3,
    /// Google Cloud Storage: `gs://bucket/key`.
    Gcs,
    /// Azure Blob Storage: `az://container/blob`.
    Azure,
}

impl Scheme {
    /// An object store with its own API (listing, uploads, credentials).
    pub fn is_cloud(self) -> bool {
        matches!(self, Scheme::S3 | Scheme::Gcs | Scheme::Azure)
    }
}

/// Classify a source or destination name by its URL scheme.
pub fn scheme(name: &str) -> Scheme {
    let lower = name.get(..8).unwrap_or(name).to_ascii_lowercase();
    if lower.starts_with("https://") && !name.contains('?') {
        // The clouds' own https forms are signed requests when there are
        // credentials (a URL with a query, such as a SAS, is signed already).
        let host = name[8..].split('/').next().unwrap_or("").to_ascii_lowercase();
        if host == "storage.googleapis.com" && name[8..].split('/').filter(|s| !s.is_empty()).count() >= 3 {
            return Scheme::Gcs;
        }
        if host.ends_with(".blob.core.windows.net") {
            return Scheme::Azure;
        }
    }
    if lower.starts_with("http://") || lower.starts_with("https://") {
        Scheme::Http
    } else if lower.starts_with("s3://") {
        Scheme::S3
    } else if lower.starts_with("gs://") {
        Scheme::Gcs
    } else if lower.starts_with("az://") {
        Scheme::Azure
    } else {
        Scheme::Local
    }
}

/// Whether the object at a cloud URL exists (None: not allowed to ask).
pub fn object_exists(url: &str, options: &OpenOptions) -> Result<Option<bool>> {
    match scheme(url) {
        Scheme::S3 => s3::object_exists(url, options),
        Scheme::Gcs => {
            let (bucket, key) = gcs::parse_url(url)?;
            gcs::Gcs::get(options)?.exists(&bucket, &key)
        }
        Scheme::Azure => {
            let (account, container, blob) = azure::parse_url(url)?;
            azure::Azure::get(account.as_deref(), options)?.exists(&container, &blob)
        }
        _ => Err(crate::Error::usage(format!("{}: not an object store URL", url))),
    }
}

/// The objects under a cloud prefix (`s3://b/p/`, `gs://b/p/`,
/// `az://c/p/`): (URL, size), in name order.
pub fn list_objects(url: &str, options: &OpenOptions) -> Result<Vec<(String, u64)>> {
    match scheme(url) {
        Scheme::S3 => s3::list_objects(url, options),
        Scheme::Gcs => gcs_upload::list(url, options),
        Scheme::Azure => azure_upload::list(url, options),
        _ => Err(crate::Error::usage(format!("{}: not an object store URL", url))),
    }
}

/// Remove everything under a cloud prefix: its objects (and, on S3, the
/// multipart uploads left open there; on Azure, blobs that have only
/// uncommitted blocks).
pub fn delete_prefix(url: &str, options: &OpenOptions) -> Result<()> {
    match scheme(url) {
        Scheme::S3 => s3::delete_prefix(url, options),
        Scheme::Gcs => gcs_upload::delete_prefix(url, options),
        Scheme::Azure => azure_upload::delete_prefix(url, options),
        _ => Err(crate::Error::usage(format!("{}: not an object store URL", url))),
    }
}

/// Ask an `http(s)://` server about byte ranges and CORS (see
/// [`http::ServerProbe`]).
pub fn probe_http(url: &str, options: &OpenOptions) -> Result<http::ServerProbe> {
    http::Http::new(url, &options.headers)?.probe()
}

/// Read the object at `name` front to back in 8 MiB ranges (uncached),
/// handing each to `take`: its first `len` bytes, or all of it.
pub fn read_chunks(
    name: &str,
    options: &OpenOptions,
    len: Option<u64>,
    take: &mut dyn FnMut(&[u8]) -> Result<()>,
) -> Result<()> {
    let src = open(name, options)?;
    let len = match len {
        Some(n) => n,
        None => src.len()?,
    };
    let mut at = 0;
    while at < len {
        let b = src.read_direct(at, (len - at).min(8 << 20) as usize)?;
        if b.is_empty() {
            return Err(crate::Error::io(format!("{}: ends at {} of {} bytes", name, at, len)));
        }
        take(&b)?;
        at += b.len() as u64;
    }
    Ok(())
}
/// Open a source by name: a local path, an `http(s)://` URL or `s3://bucket/key`.
pub fn open(name: &str, options: &OpenOptions) -> Result<Reader> {
    let settings = remote::Settings {
        header_bytes: options.header_bytes.max(16),
        retries: options.retries,
        concurrency: options.concurrency.max(1),
        verbose: options.verbose,
    };
    let src: Arc<dyn RangeSource> = match scheme(name) {
        Scheme::Local => Arc::new(LocalFile::open(name)?),
        Scheme::Http => Arc::new(remote::Remote::new(http::Http::new(name, &options.headers)?, settings)),
        Scheme::S3 => Arc::new(remote::Remote::new(s3::S3::new(name, options)?, settings)),
        Scheme::Gcs => Arc::new(remote::Remote::new(gcs::GcsObject::new(name, options)?, settings)),
        Scheme::Azure => Arc::new(remote::Remote::new(azure::AzureBlob::new(name, options)?, settings)),
    };
    Ok(Reader::new(src, options.header_bytes, options.verbose))
}

/// How to open a source. The remote fields are ignored for local files.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// Size of the first read and minimum size of later header reads.
    pub header_bytes: usize,
    /// Log each read (and each remote request) on stderr.
    pub verbose: bool,
    /// Extra HTTP headers, `Name: value` (`--header`).
    pub headers: Vec<String>,
    /// AWS profile (`--profile`; else AWS_PROFILE).
    pub profile: Option<String>,
    /// AWS region (`--region`; else AWS_REGION, the profile, us-east-1).
    pub region: Option<String>,
    /// S3-compatible endpoint (`--endpoint-url`; else AWS_ENDPOINT_URL_S3,
    /// AWS_ENDPOINT_URL); implies path-style addressing.
    pub endpoint_url: Option<String>,
    /// Anonymous S3 requests (`--no-sign-request`).
    pub no_sign_request: bool,
    /// Accept requester-pays charges (`--request-payer requester`).
    pub request_payer: bool,
    /// Retries of a failed request (5xx, 429, timeouts, dropped connections).
    pub retries: u32,
    /// Remote requests in flight at once for bulk reads and uploads.
    pub concurrency: usize,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            header_bytes: DEFAULT_HEADER_BYTES,
            verbose: false,
            headers: Vec::new(),
            profile: None,
            region: None,
            endpoint_url: None,
            no_sign_request: false,
            request_payer: false,
            retries: DEFAULT_RETRIES,
            concurrency: DEFAULT_CONCURRENCY,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes() {
        assert_eq!(scheme("gs://b/k.tif"), Scheme::Gcs);
        assert_eq!(scheme("AZ://c/b.tif"), Scheme::Azure);
        assert_eq!(scheme("s3://b/k"), Scheme::S3);
        assert_eq!(scheme("https://storage.googleapis.com/b/k.tif"), Scheme::Gcs);
        // The bucket alone, or a signed URL, stays plain HTTP.
        assert_eq!(scheme("https://storage.googleapis.com/b"), Scheme::Http);
        assert_eq!(scheme("https://storage.googleapis.com/b/k.tif?X-Goog-Signature=1"), Scheme::Http);
        assert_eq!(scheme("https://acct.blob.core.windows.net/c/b.tif"), Scheme::Azure);
        assert_eq!(scheme("https://acct.blob.core.windows.net/c/b.tif?sv=1&sig=x"), Scheme::Http);
        assert_eq!(scheme("https://example.com/x.tif"), Scheme::Http);
        assert_eq!(scheme("dir/x.tif"), Scheme::Local);
        assert!(Scheme::Gcs.is_cloud() && !Scheme::Http.is_cloud());
    }
}
