//! Byte-range sources. TIFF parsing never knows where bytes come from: it
//! asks a [`Reader`] for ranges, and the reader asks a [`RangeSource`]
//! (a local file here; HTTP and S3 plug in behind the same trait).
//!
//! The [`Reader`] owns two policies that matter for remote objects: a
//! read-ahead header cache (the first read fetches `header_bytes`, 16 KiB by
//! default, and later reads near the start grow it in chunks of at least that
//! size, so parsing IFDs never turns into many tiny requests), and request
//! accounting (how many reads, how many bytes) for `-v` and the JSON outputs.

mod cache;
mod local;
pub mod mem;

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
    /// Read `len` bytes at `offset`. May return fewer bytes only when the
    /// object ends first.
    fn read_at(&self, offset: u64, len: usize) -> Result<Vec<u8>>;
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

/// Open a source by name. Local paths only for now; URLs are recognised so
/// the message is clear rather than "no such file".
pub fn open(name: &str, options: &OpenOptions) -> Result<Reader> {
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("s3://") {
        return Err(crate::Error::unsupported(
            "remote sources (http, https, s3) are not available in this build yet",
        ));
    }
    let src: Arc<dyn RangeSource> = Arc::new(LocalFile::open(name)?);
    Ok(Reader::new(src, options.header_bytes, options.verbose))
}

/// How to open a source.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    pub header_bytes: usize,
    pub verbose: bool,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions { header_bytes: DEFAULT_HEADER_BYTES, verbose: false }
    }
}
