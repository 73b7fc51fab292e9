//! What one cloud's part-by-part upload mechanism must do ([`Target`]),
//! apart from the writer that drives it ([`super::multipart`]) and the
//! clouds that implement it (S3 in [`super::s3_upload`], Google Cloud
//! Storage in `gcs_upload`, Azure in `azure_upload`), so that neither side
//! imports the other.

use crate::{Error, Result};
use std::future::Future;
use std::pin::Pin;

pub(crate) type BoxFut<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// How long an upload that will be aborted waits for its parts in flight
/// before it stops them.
const SETTLE: std::time::Duration = std::time::Duration::from_secs(30);

/// Before an abort: let the parts in flight finish (for up to [`SETTLE`],
/// then stop them). A part dropped mid-request may still be stored by the
/// server after the abort, and stay (S3 bills the parts of an aborted
/// upload that land late; Google would keep a temporary object, Azure an
/// uncommitted block); a finished one is removed by the abort.
pub(crate) async fn settle<T: 'static>(tasks: &mut tokio::task::JoinSet<T>) {
    let settled = tokio::time::timeout(SETTLE, async { while tasks.join_next().await.is_some() {} }).await;
    if settled.is_err() {
        tasks.abort_all();
        while tasks.join_next().await.is_some() {}
    }
}

/// One part as stored: what completing the upload must name.
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    pub number: u32,
    /// The S3 ETag, the Google temporary object's name, the Azure block id.
    pub tag: String,
    /// The S3 CRC32 (base64), the Google CRC32C, if known.
    pub checksum: Option<String>,
    pub len: u64,
}

/// Where parts go: one cloud's mechanism. Implementations retry their
/// own requests; an error here is final.
pub(crate) trait Target: Send + Sync {
    fn url(&self) -> &str;
    /// What is left behind when it fails, for messages ("multipart upload").
    fn mechanism(&self) -> &'static str;
    /// Start an upload; returns its id.
    fn begin(&self) -> BoxFut<'_, Result<String>>;
    fn put_part<'a>(&'a self, id: &'a str, number: u32, data: bytes::Bytes) -> BoxFut<'a, Result<Stored>>;
    /// Part `number` copied by the server from `source`'s bytes
    /// [offset, offset+len); only where the cloud can (S3).
    fn copy_part<'a>(
        &'a self,
        _id: &'a str,
        _number: u32,
        _source: &'a str,
        _offset: u64,
        _len: u64,
    ) -> BoxFut<'a, Result<Stored>> {
        Box::pin(async { Err(Error::unsupported("server-side part copies are only supported on S3")) })
    }
    /// Whether [`Target::copy_part`] works from `source`.
    fn copies_from(&self, _source: &str) -> bool {
        false
    }
    /// Join the parts (sorted by number) into the object.
    fn complete<'a>(&'a self, id: &'a str, parts: Vec<Stored>) -> BoxFut<'a, Result<()>>;
    /// Remove what an unfinished upload left; best effort, reports on stderr.
    fn abort<'a>(&'a self, id: &'a str) -> BoxFut<'a, ()>;
    /// The name of the one request that writes a small object.
    fn single(&self) -> &'static str;
    /// The whole object in one request.
    fn put_whole(&self, data: bytes::Bytes) -> BoxFut<'_, Result<()>>;
}
