//! The read-ahead header cache and request accounting.

use super::RangeSource;
use crate::{Error, Result};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// How much was fetched from the source.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub requests: u64,
    pub bytes: u64,
}

/// A source plus a cache of its first bytes. Reads that fall in (or just
/// past) the cached prefix grow the prefix in chunks of at least
/// `header_bytes`; reads far beyond it (tile data) go straight through.
pub struct Reader {
    source: Arc<dyn RangeSource>,
    header_bytes: usize,
    verbose: bool,
    prefix: Mutex<Vec<u8>>,
    /// Length of the object once known.
    len: Mutex<Option<u64>>,
    requests: AtomicU64,
    bytes: AtomicU64,
    /// Spans fetched ahead by [`Reader::prefetch`]: (start, bytes).
    prefetched: Mutex<Vec<(u64, Arc<Vec<u8>>)>>,
}

/// Reads that start within this many bytes after the cached prefix extend
/// the prefix instead of going straight to the source: IFDs and their arrays
/// in a COG sit close together, tiles do not.
const EXTEND_WINDOW: u64 = 64 * 1024;
/// The prefix never grows past this; beyond it everything is a direct read.
const MAX_PREFIX: u64 = 64 * 1024 * 1024;

impl Reader {
    pub fn new(source: Arc<dyn RangeSource>, header_bytes: usize, verbose: bool) -> Self {
        Reader {
            source,
            header_bytes: header_bytes.max(16),
            verbose,
            prefix: Mutex::new(Vec::new()),
            len: Mutex::new(None),
            requests: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            prefetched: Mutex::new(Vec::new()),
        }
    }

    pub fn source(&self) -> &Arc<dyn RangeSource> {
        &self.source
    }

    pub fn is_local(&self) -> bool {
        self.source.is_local()
    }

    /// Requests and bytes fetched. Remote sources count themselves (every
    /// HTTP request, retries included); local reads are counted here.
    pub fn stats(&self) -> Stats {
        if let Some(s) = self.source.stats() {
            return s;
        }
        Stats { requests: self.requests.load(Ordering::Relaxed), bytes: self.bytes.load(Ordering::Relaxed) }
    }

    /// For remote sources, add `requests` and `bytes_fetched` to a JSON
    /// object (`info --json`, `validate --json`); local files get nothing.
    pub fn add_stats_to_json(&self, v: &mut serde_json::Value) {
        if self.is_local() {
            return;
        }
        if let Some(o) = v.as_object_mut() {
            let s = self.stats();
            o.insert("requests".into(), s.requests.into());
            o.insert("bytes_fetched".into(), s.bytes.into());
        }
    }

    /// Object length. Local files know it for free; remote sources learn it
    /// from the first read, which this triggers if needed.
    pub fn len(&self) -> Result<u64> {
        if let Some(n) = *self.len.lock().unwrap() {
            return Ok(n);
        }
        let n = self.source.len()?;
        *self.len.lock().unwrap() = Some(n);
        Ok(n)
    }

    pub fn is_empty(&self) -> Result<bool> {
        Ok(self.len()? == 0)
    }

    fn fetch(&self, offset: u64, len: usize) -> Result<Vec<u8>> {
        let buf = self.source.read_at(offset, len)?;
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(buf.len() as u64, Ordering::Relaxed);
        // Remote sources log each request themselves, with status and time.
        if self.verbose && self.source.is_local() {
            eprintln!("cogtool: read bytes {}-{} ({} bytes)", offset, offset + buf.len() as u64, buf.len());
        }
        Ok(buf)
    }

    /// Read exactly `len` bytes at `offset`, or fail naming the range and the
    /// file size. Never allocates more than the file can supply.
    pub fn read(&self, offset: u64, len: usize) -> Result<Vec<u8>> {
        let file_len = self.len()?;
        let end = offset.checked_add(len as u64).filter(|&e| e <= file_len).ok_or_else(|| {
            Error::format(format!("{} bytes at offset {} reach past end of file ({} bytes)", len, offset, file_len))
        })?;
        if len == 0 {
            return Ok(Vec::new());
        }
        {
            let mut prefix = self.prefix.lock().unwrap();
            let have = prefix.len() as u64;
            if end <= have {
                return Ok(prefix[offset as usize..end as usize].to_vec());
            }
            if offset <= have + EXTEND_WINDOW && end <= MAX_PREFIX {
                // Grow the prefix: at least header_bytes, at least to `end`.
                let want_end = end.max(have + self.header_bytes as u64).min(file_len);
                let chunk = self.fetch(have, (want_end - have) as usize)?;
                if (chunk.len() as u64) < end - have {
                    return Err(Error::format(format!(
                        "file ended at {} bytes while reading offset {}",
                        have + chunk.len() as u64,
                        offset
                    )));
                }
                prefix.extend_from_slice(&chunk);
                return Ok(prefix[offset as usize..end as usize].to_vec());
            }
        }
        let buf = self.fetch(offset, len)?;
        if buf.len() < len {
            return Err(Error::format(format!(
                "file ended at {} bytes while reading offset {}",
                offset + buf.len() as u64,
                offset
            )));
        }
        Ok(buf)
    }

    /// Read a range that is not header material (tile data) without caching.
    pub fn read_direct(&self, offset: u64, len: usize) -> Result<Vec<u8>> {
        let file_len = self.len()?;
        if offset.checked_add(len as u64).is_none_or(|e| e > file_len) {
            return Err(Error::format(format!(
                "{} bytes at offset {} reach past end of file ({} bytes)",
                len, offset, file_len
            )));
        }
        {
            let prefix = self.prefix.lock().unwrap();
            let end = offset + len as u64;
            if end <= prefix.len() as u64 {
                return Ok(prefix[offset as usize..end as usize].to_vec());
            }
        }
        {
            let end = offset + len as u64;
            let spans = self.prefetched.lock().unwrap();
            if let Some((start, buf)) =
                spans.iter().find(|(start, buf)| *start <= offset && end <= start + buf.len() as u64)
            {
                return Ok(buf[(offset - start) as usize..(end - start) as usize].to_vec());
            }
        }
        let buf = self.fetch(offset, len)?;
        if buf.len() < len {
            return Err(Error::format(format!("file ended while reading offset {}", offset)));
        }
        Ok(buf)
    }

    /// Read several ranges of tile data (not cached), results in the given
    /// order. Ranges close to each other (at most [`MERGE_GAP`] apart) are
    /// fetched as one, and the fetches go to the source together, so remote
    /// sources run them concurrently: a row of tiles costs one request.
    pub fn read_many(&self, ranges: &[std::ops::Range<u64>]) -> Result<Vec<Vec<u8>>> {
        let mut out = self.check_and_take_cached(ranges)?;
        // Group the rest, in offset order, into merged fetches.
        let groups = merge_ranges(ranges, (0..ranges.len()).filter(|&i| out[i].is_none()).collect());
        let spans: Vec<std::ops::Range<u64>> = groups.iter().map(|(g, _)| g.clone()).collect();
        let bufs = self.fetch_spans(&spans)?;
        for ((g, members), buf) in groups.iter().zip(bufs) {
            for &i in members {
                let r = &ranges[i];
                out[i] = Some(buf[(r.start - g.start) as usize..(r.end - g.start) as usize].to_vec());
            }
        }
        Ok(out.into_iter().map(|b| b.unwrap_or_default()).collect())
    }
}

impl Reader {
    /// Fetch these ranges ahead (merged as in [`Reader::read_many`], several
    /// requests in flight) so that the [`Reader::read_direct`] calls that
    /// follow are served from memory: `create` from a remote input asks for
    /// one band of block rows at once instead of one request per block.
    /// Replaces what an earlier call fetched, so memory stays bounded by one
    /// call's ranges.
    pub fn prefetch(&self, ranges: &[std::ops::Range<u64>]) -> Result<()> {
        self.prefetched.lock().unwrap().clear();
        let wanted: Vec<usize> = (0..ranges.len()).filter(|&i| ranges[i].start < ranges[i].end).collect();
        let spans: Vec<std::ops::Range<u64>> = merge_ranges(ranges, wanted).into_iter().map(|(g, _)| g).collect();
        let bufs = self.read_spans(&spans)?;
        *self.prefetched.lock().unwrap() = spans.iter().map(|s| s.start).zip(bufs.into_iter().map(Arc::new)).collect();
        Ok(())
    }

    /// Read each range exactly as given (no merging: the caller already
    /// chose the spans, e.g. `read::tile_ranges`), results in order. Spans
    /// inside the cached prefix cost nothing; the others go to the source in
    /// one [`RangeSource::read_many`] call, so remote sources run them
    /// concurrently (`--concurrency`).
    pub fn read_spans(&self, spans: &[std::ops::Range<u64>]) -> Result<Vec<Vec<u8>>> {
        let mut out = self.check_and_take_cached(spans)?;
        let todo: Vec<usize> = (0..spans.len()).filter(|&i| out[i].is_none()).collect();
        let wanted: Vec<std::ops::Range<u64>> = todo.iter().map(|&i| spans[i].clone()).collect();
        for (i, buf) in todo.into_iter().zip(self.fetch_spans(&wanted)?) {
            out[i] = Some(buf);
        }
        Ok(out.into_iter().map(|b| b.unwrap_or_default()).collect())
    }

    /// Check `ranges` against the file size (one line naming the first that
    /// reaches past the end) and serve from memory those inside the cached
    /// prefix, and empty ones; `None` marks what still has to be fetched.
    fn check_and_take_cached(&self, ranges: &[std::ops::Range<u64>]) -> Result<Vec<Option<Vec<u8>>>> {
        let file_len = self.len()?;
        for r in ranges {
            if r.start > r.end || r.end > file_len || r.end - r.start > usize::MAX as u64 {
                return Err(Error::format(format!(
                    "{} bytes at offset {} reach past end of file ({} bytes)",
                    r.end.saturating_sub(r.start),
                    r.start,
                    file_len
                )));
            }
        }
        let mut out: Vec<Option<Vec<u8>>> = vec![None; ranges.len()];
        {
            let prefix = self.prefix.lock().unwrap();
            for (i, r) in ranges.iter().enumerate() {
                if r.end <= prefix.len() as u64 || r.start == r.end {
                    out[i] = Some(prefix.get(r.start as usize..r.end as usize).map(<[u8]>::to_vec).unwrap_or_default());
                }
            }
        }
        Ok(out)
    }

    /// Fetch spans (already checked against the file size) from the source,
    /// with accounting and local `-v` logging; every span must come back whole.
    fn fetch_spans(&self, spans: &[std::ops::Range<u64>]) -> Result<Vec<Vec<u8>>> {
        if spans.is_empty() {
            return Ok(Vec::new());
        }
        let bufs = self.source.read_many(spans)?;
        for (g, buf) in spans.iter().zip(&bufs) {
            self.requests.fetch_add(1, Ordering::Relaxed);
            self.bytes.fetch_add(buf.len() as u64, Ordering::Relaxed);
            if self.verbose && self.source.is_local() {
                eprintln!("cogtool: read bytes {}-{} ({} bytes)", g.start, g.end, buf.len());
            }
            if (buf.len() as u64) < g.end - g.start {
                return Err(Error::format(format!("file ended while reading offset {}", g.start)));
            }
        }
        Ok(bufs)
    }
}

/// Group `ranges[i]` for the indices in `members` (any order) into merged
/// spans, in offset order: ranges at most [`MERGE_GAP`] apart join one span,
/// which never grows beyond [`MAX_MERGED`]. Each span lists its members.
fn merge_ranges(ranges: &[std::ops::Range<u64>], mut members: Vec<usize>) -> Vec<(std::ops::Range<u64>, Vec<usize>)> {
    members.sort_by_key(|&i| ranges[i].start);
    let mut groups: Vec<(std::ops::Range<u64>, Vec<usize>)> = Vec::new();
    for i in members {
        let r = &ranges[i];
        match groups.last_mut() {
            Some((g, m)) if r.start <= g.end.saturating_add(MERGE_GAP) && r.end.max(g.end) - g.start <= MAX_MERGED => {
                g.end = g.end.max(r.end);
                m.push(i);
            }
            _ => groups.push((r.clone(), vec![i])),
        }
    }
    groups
}

/// Ranges at most this far apart are fetched as one request in
/// [`Reader::read_many`]: re-reading a small gap (a mask tile, the 4-byte
/// leaders and trailers GDAL puts around tiles) is cheaper than a request.
pub const MERGE_GAP: u64 = 16 * 1024;
/// A merged fetch never grows beyond this.
const MAX_MERGED: u64 = 64 * 1024 * 1024;
