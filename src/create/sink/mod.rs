//! Where a COG's bytes go: [`local`] (a file that gets its name only once
//! complete, stdout, nameless scratch files), [`cloud_stream`] (a multipart
//! upload fed while the pyramid is computed, cut by [`parts`]) and [`s3`]
//! (built locally, then uploaded: for the writers that need a local file).

pub mod cloud_stream;
pub mod local;
pub mod parts;
pub(crate) mod s3;
pub mod segments;

use crate::Result;

/// A destination that takes the tile data as it is made: segment `seg`
/// is one level's framed tiles (with band interleave, one level's tiles of
/// one band), numbered in file order, each written front to back; the
/// segments fill side by side. The head (everything before the tile data)
/// comes last, once every size is known.
pub trait SegmentSink: Send {
    fn write(&mut self, seg: usize, bytes: &[u8]) -> Result<()>;
    /// The file at `path` (`len` bytes) is the next piece of segment `seg`
    /// (a distributed run's staged part): by default read and written
    /// through [`SegmentSink::write`].
    fn attach(&mut self, seg: usize, path: &std::path::Path, len: u64) -> Result<()> {
        use std::io::Read;
        let mut f = std::fs::File::open(path)
            .map_err(|e| crate::Error::io(format!("{}: {}", path.display(), crate::error::describe_io(&e))))?;
        let mut buf = vec![0u8; 1 << 20];
        let mut left = len;
        while left > 0 {
            let n = f.read(&mut buf[..(left.min(1 << 20)) as usize])?;
            if n == 0 {
                return Err(crate::Error::io(format!("{}: {} bytes short", path.display(), left)));
            }
            self.write(seg, &buf[..n])?;
            left -= n as u64;
        }
        Ok(())
    }
    /// The object at `url` (`len` bytes) is the next piece of segment
    /// `seg` (an S3 part's staged tiles): read in 8 MiB ranges and written
    /// through [`SegmentSink::write`].
    fn attach_url(&mut self, seg: usize, url: &str, len: u64, remote: &crate::source::OpenOptions) -> Result<()> {
        crate::source::read_chunks(url, remote, Some(len), &mut |b| self.write(seg, b))
    }
    /// Every segment is complete: write `head` in front and commit the
    /// object. Returns the bytes written and how (for -v).
    fn finish(self: Box<Self>, head: Vec<u8>) -> Result<(u64, String)>;
}
