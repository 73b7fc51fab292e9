//! `cogtool create INPUT s3://bucket/key` (or `gs://`, `az://`), streamed:
//! the tiles go up part by part while the pyramid is still being computed,
//! with no local copy of the output. [`parts`](super::parts) decides how
//! the file is cut (ranges of part numbers per level, the head in part 1 at
//! the end), under S3's rules, the strictest of the three clouds (5 MiB
//! minimum, 10,000 parts), so the same cut serves Google's compose and
//! Azure's block lists. [`PartUpload`] sends the parts, at most
//! `--concurrency` at once, checksummed, and aborts (deleting what was
//! sent) if anything fails or the run is cancelled (it is dropped
//! unfinished). An output smaller than one part is one request.

use super::SegmentSink;
use super::parts::{End, MIN_PART, Planner};
use crate::source::multipart::PartUpload;
use crate::source::{OpenOptions, object_exists};
use crate::{Cancel, Error, Result};

pub struct ObjectStream {
    planner: Planner,
    upload: PartUpload,
    url: String,
}

impl ObjectStream {
    /// A stream to `url` for segments of at most `worst[i]` bytes. Checks
    /// first that the key is free (unless `overwrite`), so that a run that
    /// would be refused at the end is refused before any work.
    pub fn new(
        url: &str,
        worst: &[u64],
        remote: &OpenOptions,
        cancel: &Cancel,
        overwrite: bool,
    ) -> Result<ObjectStream> {
        // Same rule as for local files: never replace silently. (If the HEAD
        // is not allowed, the answer is unknown and the final request's
        // If-None-Match decides.)
        if !overwrite && object_exists(url, remote)? == Some(true) {
            return Err(Error::usage(format!("{} exists; use --overwrite to replace it", url)));
        }
        let planner = Planner::new(worst, MIN_PART).map_err(|e| {
            Error::limit(format!(
                "{}: cannot stream this COG to an object store ({}); write it to a local file first",
                url, e.message
            ))
        })?;
        Ok(ObjectStream { planner, upload: PartUpload::new(url, remote, cancel, overwrite)?, url: url.to_string() })
    }
}

impl SegmentSink for ObjectStream {
    fn write(&mut self, seg: usize, bytes: &[u8]) -> Result<()> {
        let upload = &mut self.upload;
        self.planner.write(seg, bytes, &mut |p| upload.send(p.number, p.bytes))
    }

    /// A staged piece in the cloud (a distributed run's part): on S3, whole
    /// parts inside it are copied by the server (UploadPartCopy), only the
    /// bytes at its edges are read; elsewhere it is read and sent.
    fn attach_url(&mut self, seg: usize, url: &str, len: u64, remote: &OpenOptions) -> Result<()> {
        if !self.upload.copies_from(url) {
            return crate::source::read_chunks(url, remote, Some(len), &mut |b| self.write(seg, b));
        }
        let src = crate::source::open(url, remote)?;
        let upload = std::cell::RefCell::new(&mut self.upload);
        let mut fetch = |offset: u64, n: u64| src.read_direct(offset, n as usize);
        let mut copy = |number: u32, offset: u64, n: u64| upload.borrow_mut().send_copy(number, url, offset, n);
        let mut out = |p: super::parts::Part| upload.borrow_mut().send(p.number, p.bytes);
        self.planner.write_remote(seg, len, &mut fetch, &mut copy, &mut out)
    }

    fn finish(self: Box<Self>, head: Vec<u8>) -> Result<(u64, String)> {
        let ObjectStream { planner, mut upload, url } = *self;
        let part = planner.part_size();
        let report = match planner.finish(head, &mut |p| upload.send(p.number, p.bytes))? {
            End::Whole(bytes) => upload.put_whole(bytes)?,
            End::Parts => upload.complete()?,
        };
        let how =
            format!("streamed {} bytes to {} ({}; base part size {})", report.bytes, url, report.describe(), part);
        Ok((report.bytes, how))
    }
}
