//! An object written part by part from synchronous code, in any order of
//! part numbers (used by `create` to stream a COG while computing it), to
//! any [`Target`]: an S3 multipart upload (each part with its CRC32, which
//! S3 verifies), Google Cloud Storage temporary objects joined by compose,
//! or Azure blocks committed by one block list.
//!
//! The upload starts with the first part. At most `--concurrency` parts are
//! in flight, and [`PartUpload::send`] blocks while that many are, so
//! memory stays bounded by concurrency x part size. A failed part (after
//! its retries), a cancel, or dropping the writer before
//! [`PartUpload::complete`] waits for the parts in flight and aborts: S3 keeps,
//! and bills, the parts of an upload that is neither completed nor
//! aborted; Google keeps temporary objects; Azure keeps uncommitted blocks
//! for a week. An object smaller than one part goes up whole
//! ([`PartUpload::put_whole`]).

use super::s3_upload::{UploadReport, Uploader};
use super::target::{Stored, Target};
use super::{OpenOptions, Scheme, runtime};
use crate::{Cancel, Error, Result};
use std::sync::Arc;
use tokio::task::JoinSet;

/// The target for `dest` by its scheme. `replace`: whether an object that
/// appears meanwhile may be replaced (else the final request is
/// conditional and fails).
pub(crate) fn target(dest: &str, options: &OpenOptions, replace: bool) -> Result<Arc<dyn Target>> {
    Ok(match super::scheme(dest) {
        Scheme::S3 => {
            let mut up = Uploader::new(dest, options)?;
            up.if_absent = !replace;
            Arc::new(up)
        }
        Scheme::Gcs => Arc::new(super::gcs_upload::GcsParts::new(dest, options, replace)?),
        Scheme::Azure => Arc::new(super::azure_upload::AzureBlocks::new(dest, options, replace)?),
        _ => return Err(Error::usage(format!("{}: not an object store URL (s3://, gs://, az://)", dest))),
    })
}

pub struct PartUpload {
    up: Arc<dyn Target>,
    upload_id: Option<String>,
    tasks: JoinSet<Result<Stored>>,
    done: Vec<Stored>,
    sizes: Vec<(u32, u64)>,
    concurrency: usize,
    cancel: Cancel,
    /// Completed (or never started): nothing to abort on drop.
    settled: bool,
}

impl PartUpload {
    /// A writer of `dest` (`s3://`, `gs://` or `az://`). `replace`: whether
    /// an object that appears meanwhile may be replaced (else the final
    /// request is conditional and fails).
    pub fn new(dest: &str, options: &OpenOptions, cancel: &Cancel, replace: bool) -> Result<PartUpload> {
        Ok(PartUpload {
            up: target(dest, options, replace)?,
            upload_id: None,
            tasks: JoinSet::new(),
            done: Vec::new(),
            sizes: Vec::new(),
            concurrency: options.concurrency.max(1),
            cancel: cancel.clone(),
            settled: true,
        })
    }

    fn interrupted(&self) -> Error {
        Error::interrupted(format!("{}: upload interrupted, {} aborted", self.up.url(), self.up.mechanism()))
    }

    /// Send part `number` (1..=10,000); blocks while `--concurrency` parts
    /// are in flight. Returns the first failure of any part.
    pub fn send(&mut self, number: u32, bytes: Vec<u8>) -> Result<()> {
        self.start()?;
        while self.tasks.len() >= self.concurrency {
            self.wait_one()?;
        }
        self.sizes.push((number, bytes.len() as u64));
        let (up, id) = (self.up.clone(), self.upload_id.clone().unwrap_or_default());
        let _in_runtime = runtime::get().enter();
        self.tasks.spawn(async move { up.put_part(&id, number, bytes::Bytes::from(bytes)).await });
        Ok(())
    }

    /// Create the multipart upload with the first part.
    fn start(&mut self) -> Result<()> {
        if self.upload_id.is_none() {
            let up = self.up.clone();
            let cancel = self.cancel.clone();
            self.settled = false;
            let id = runtime::block_on(async move {
                tokio::select! {
                    r = up.begin() => r.map(Some),
                    _ = cancel.cancelled() => Ok(None),
                }
            })?;
            match id {
                Some(id) => self.upload_id = Some(id),
                None => {
                    self.settled = true;
                    return Err(Error::interrupted(format!("{}: upload interrupted", self.up.url())));
                }
            }
        }
        Ok(())
    }

    /// Part `number` copied by the server from bytes [offset, offset+len)
    /// of `source` (S3's UploadPartCopy; see [`PartUpload::copies_from`]);
    /// in flight like [`PartUpload::send`].
    pub fn send_copy(&mut self, number: u32, source: &str, offset: u64, len: u64) -> Result<()> {
        self.start()?;
        while self.tasks.len() >= self.concurrency {
            self.wait_one()?;
        }
        self.sizes.push((number, len));
        let (up, id, source) = (self.up.clone(), self.upload_id.clone().unwrap_or_default(), source.to_string());
        let _in_runtime = runtime::get().enter();
        self.tasks.spawn(async move { up.copy_part(&id, number, &source, offset, len).await });
        Ok(())
    }

    /// Whether parts can be copied by the server from `source`.
    pub fn copies_from(&self, source: &str) -> bool {
        self.up.copies_from(source)
    }

    /// Wait for one part in flight to finish (or the cancel).
    fn wait_one(&mut self) -> Result<()> {
        let (tasks, cancel) = (&mut self.tasks, &self.cancel);
        let r = runtime::block_on(async {
            tokio::select! {
                r = tasks.join_next() => Some(r),
                _ = cancel.cancelled() => None,
            }
        });
        match r {
            None => Err(self.interrupted()),
            Some(None) => Ok(()),
            Some(Some(Ok(Ok(p)))) => {
                self.done.push(p);
                Ok(())
            }
            Some(Some(Ok(Err(e)))) => Err(e),
            Some(Some(Err(e))) => Err(Error::io(format!("{}: upload task failed: {}", self.up.url(), e))),
        }
    }

    /// Wait for every part, then complete the upload.
    pub fn complete(mut self) -> Result<UploadReport> {
        while !self.tasks.is_empty() {
            self.wait_one()?;
        }
        let Some(id) = self.upload_id.clone() else {
            return Err(Error::format(format!("internal error: {}: no part was sent", self.up.url())));
        };
        let mut parts = std::mem::take(&mut self.done);
        parts.sort_by_key(|p| p.number);
        let (up, cancel) = (self.up.clone(), self.cancel.clone());
        let r = runtime::block_on(async move {
            tokio::select! {
                r = up.complete(&id, parts) => Some(r),
                _ = cancel.cancelled() => None,
            }
        });
        match r {
            None => return Err(self.interrupted()),
            Some(r) => r?,
        }
        self.settled = true;
        self.sizes.sort_by_key(|s| s.0);
        Ok(UploadReport {
            bytes: self.sizes.iter().map(|s| s.1).sum(),
            parts: self.sizes.iter().map(|s| s.1).collect(),
            single: self.up.single(),
        })
    }

    /// The whole object in one request (when no part was sent).
    pub fn put_whole(self, bytes: Vec<u8>) -> Result<UploadReport> {
        let data = bytes::Bytes::from(bytes);
        let len = data.len() as u64;
        let (up, cancel) = (self.up.clone(), self.cancel.clone());
        let r = runtime::block_on(async move {
            tokio::select! {
                r = up.put_whole(data) => Some(r.map(|()| len)),
                _ = cancel.cancelled() => None,
            }
        });
        match r {
            None => Err(Error::interrupted(format!("{}: upload interrupted", self.up.url()))),
            Some(r) => Ok(UploadReport { bytes: r?, parts: Vec::new(), single: self.up.single() }),
        }
    }
}

impl Drop for PartUpload {
    /// Not completed: let the parts in flight finish (see
    /// [`super::target::settle`]), then abort the upload.
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        runtime::block_on(super::target::settle(&mut self.tasks));
        if let Some(id) = &self.upload_id {
            runtime::block_on(self.up.abort(id));
        }
    }
}

/// Upload the file at `path` to `dest` on any cloud, part by part in
/// memory (at most `--concurrency` parts of [`super::s3_upload::part_size`]
/// held), then join them; the upload is aborted on failure or cancel.
pub fn upload_file(
    path: &std::path::Path,
    dest: &str,
    options: &OpenOptions,
    cancel: &Cancel,
    replace: bool,
) -> Result<UploadReport> {
    use std::os::unix::fs::FileExt;
    if super::scheme(dest) == Scheme::S3 {
        // Parts streamed from the file, never a second copy in memory.
        return super::s3_upload::upload_file_until(path, dest, options, cancel.cancelled());
    }
    let io = |e: std::io::Error| Error::io(format!("{}: {}", path.display(), crate::error::describe_io(&e)));
    let f = std::fs::File::open(path).map_err(io)?;
    let len = f.metadata().map_err(io)?.len();
    let part = super::s3_upload::part_size(len);
    let read = |offset: u64, n: u64| -> Result<Vec<u8>> {
        let mut buf = vec![0u8; n as usize];
        f.read_exact_at(&mut buf, offset).map_err(io)?;
        Ok(buf)
    };
    let mut up = PartUpload::new(dest, options, cancel, replace)?;
    if len < part {
        return up.put_whole(read(0, len)?);
    }
    let mut offset = 0;
    let mut number = 1;
    while offset < len {
        let n = part.min(len - offset);
        up.send(number, read(offset, n)?)?;
        offset += n;
        number += 1;
    }
    up.complete()
}
