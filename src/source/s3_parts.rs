//! An S3 object written part by part from synchronous code, in any order
//! of part numbers (used by `create` to stream a COG while computing it).
//!
//! The multipart upload starts with the first part. Each part is sent with
//! its CRC32, which S3 verifies; at most `--concurrency` are in flight, and
//! [`PartUpload::send`] blocks while that many are, so memory stays bounded
//! by concurrency x part size. A failed part (after its retries), a cancel,
//! or dropping the writer before [`PartUpload::complete`] stops the parts in
//! flight and aborts the upload: S3 keeps, and bills, the parts of an upload
//! that is neither completed nor aborted. An object smaller than one part
//! goes up as one PutObject ([`PartUpload::put_whole`]).

use super::s3_upload::{Body, UploadReport, Uploader};
use super::{OpenOptions, runtime};
use crate::{Cancel, Error, Result};
use aws_sdk_s3::types::CompletedPart;
use std::sync::Arc;
use tokio::task::JoinSet;

pub struct PartUpload {
    up: Arc<Uploader>,
    upload_id: Option<String>,
    tasks: JoinSet<Result<CompletedPart>>,
    done: Vec<CompletedPart>,
    sizes: Vec<(u32, u64)>,
    concurrency: usize,
    cancel: Cancel,
    /// Completed (or never started): nothing to abort on drop.
    settled: bool,
}

impl PartUpload {
    /// A writer of `dest` (`s3://bucket/key`). `replace`: whether an object
    /// that appears meanwhile may be replaced (else the final request says
    /// `If-None-Match: *` and fails).
    pub fn new(dest: &str, options: &OpenOptions, cancel: &Cancel, replace: bool) -> Result<PartUpload> {
        let mut up = Uploader::new(dest, options)?;
        up.if_absent = !replace;
        Ok(PartUpload {
            up: Arc::new(up),
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
        Error::interrupted(format!("{}: upload interrupted, multipart upload aborted", self.up.url))
    }

    /// Send part `number` (1..=10,000); blocks while `--concurrency` parts
    /// are in flight. Returns the first failure of any part.
    pub fn send(&mut self, number: u32, bytes: Vec<u8>) -> Result<()> {
        self.start()?;
        while self.tasks.len() >= self.concurrency {
            self.wait_one()?;
        }
        let body = Body::bytes(bytes);
        self.sizes.push((number, body.len()));
        let (up, id) = (self.up.clone(), self.upload_id.clone().unwrap_or_default());
        let _in_runtime = runtime::get().enter();
        self.tasks.spawn(async move { up.put_part(&id, number as i32, &body).await });
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
                    r = up.create(true) => r.map(Some),
                    _ = cancel.cancelled() => Ok(None),
                }
            })?;
            match id {
                Some(id) => self.upload_id = Some(id),
                None => {
                    self.settled = true;
                    return Err(Error::interrupted(format!("{}: upload interrupted", self.up.url)));
                }
            }
        }
        Ok(())
    }

    /// Part `number` copied by the server from bytes [offset, offset+len)
    /// of `source` (UploadPartCopy); in flight like [`PartUpload::send`].
    pub fn send_copy(&mut self, number: u32, source: &str, offset: u64, len: u64) -> Result<()> {
        self.start()?;
        while self.tasks.len() >= self.concurrency {
            self.wait_one()?;
        }
        self.sizes.push((number, len));
        let (up, id, source) = (self.up.clone(), self.upload_id.clone().unwrap_or_default(), source.to_string());
        let _in_runtime = runtime::get().enter();
        self.tasks.spawn(async move { up.copy_part(&id, number as i32, &source, offset, len).await });
        Ok(())
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
            Some(Some(Err(e))) => Err(Error::io(format!("{}: upload task failed: {}", self.up.url, e))),
        }
    }

    /// Wait for every part, then complete the upload.
    pub fn complete(mut self) -> Result<UploadReport> {
        while !self.tasks.is_empty() {
            self.wait_one()?;
        }
        let Some(id) = self.upload_id.clone() else {
            return Err(Error::format(format!("internal error: {}: no part was sent", self.up.url)));
        };
        let mut parts = std::mem::take(&mut self.done);
        parts.sort_by_key(|p| p.part_number());
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
        })
    }

    /// The whole object in one PutObject (when no part was sent).
    pub fn put_whole(self, bytes: Vec<u8>) -> Result<UploadReport> {
        let body = Body::bytes(bytes);
        let (up, cancel) = (self.up.clone(), self.cancel.clone());
        let r = runtime::block_on(async move {
            tokio::select! {
                r = up.put_whole(&body) => Some(r.map(|()| body.len())),
                _ = cancel.cancelled() => None,
            }
        });
        match r {
            None => Err(Error::interrupted(format!("{}: upload interrupted", self.up.url))),
            Some(r) => Ok(UploadReport { bytes: r?, parts: Vec::new() }),
        }
    }
}

impl Drop for PartUpload {
    /// Not completed: stop the parts in flight (none lands after the
    /// abort), then abort the upload.
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        self.tasks.abort_all();
        let tasks = &mut self.tasks;
        runtime::block_on(async { while tasks.join_next().await.is_some() {} });
        if let Some(id) = &self.upload_id {
            runtime::block_on(self.up.abort(id));
        }
    }
}
