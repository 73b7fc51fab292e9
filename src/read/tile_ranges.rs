//! Turning many tile ranges into few reads.
//!
//! A COG stores each row of tiles contiguously (GDAL: BLOCK_ORDER=ROW_MAJOR),
//! separated at most by leaders, trailers and interleaved mask tiles, so the
//! tiles of a bulk dump coalesce into a handful of large reads. Reads of one
//! batch run concurrently: for remote sources that hides latency, locally it
//! costs nothing.

use crate::Result;
use crate::source::Reader;
use rayon::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ByteRange {
    pub offset: u64,
    pub len: u64,
}

impl ByteRange {
    pub fn end(&self) -> u64 {
        self.offset + self.len
    }
}

/// One read covering several requested ranges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub range: ByteRange,
    /// Positions (in the input slice) of the ranges this read covers.
    pub members: Vec<usize>,
}

impl Group {
    /// The bytes of member range `r` inside this group's buffer.
    pub fn slice<'a>(&self, buf: &'a [u8], r: ByteRange) -> &'a [u8] {
        let start = (r.offset - self.range.offset) as usize;
        &buf[start..start + r.len as usize]
    }
}

/// Gap (bytes) up to which two ranges are read together: reading a few
/// unwanted bytes beats another request (one HTTP round trip costs as much
/// as tens of KiB of transfer).
pub const DEFAULT_MAX_GAP: u64 = 16 * 1024;
/// A merged read never grows past this (unless a single range is larger).
pub const DEFAULT_MAX_READ: u64 = 16 * 1024 * 1024;

/// Merge ranges whose gaps are at most `max_gap` bytes (overlaps included)
/// into reads of at most `max_read` bytes. Groups come out in file order.
pub fn merge(ranges: &[ByteRange], max_gap: u64, max_read: u64) -> Vec<Group> {
    let mut order: Vec<usize> = (0..ranges.len()).collect();
    order.sort_by_key(|&i| (ranges[i].offset, ranges[i].len));
    let mut groups: Vec<Group> = Vec::new();
    for i in order {
        let r = ranges[i];
        if let Some(g) = groups.last_mut() {
            let end = g.range.end();
            let new_end = end.max(r.end());
            if r.offset <= end.saturating_add(max_gap) && new_end - g.range.offset <= max_read {
                g.range.len = new_end - g.range.offset;
                g.members.push(i);
                continue;
            }
        }
        groups.push(Group { range: r, members: vec![i] });
    }
    groups
}

fn fetch_one(reader: &Reader, g: &Group) -> Result<Vec<u8>> {
    let len = usize::try_from(g.range.len).map_err(|_| crate::Error::limit("read too large for this platform"))?;
    reader.read_direct(g.range.offset, len)
}

/// Fetch every group, in the groups' order. Local files use the rayon pool
/// (reads are CPU-cheap); remote sources get all the groups in one
/// [`Reader::read_spans`] call, which runs up to `--concurrency` requests at
/// once on the shared runtime (the groups are already merged, so each is
/// exactly one request).
pub fn fetch(reader: &Reader, groups: &[Group]) -> Result<Vec<Vec<u8>>> {
    if reader.is_local() {
        return groups.par_iter().map(|g| fetch_one(reader, g)).collect();
    }
    let spans: Vec<std::ops::Range<u64>> = groups
        .iter()
        .map(|g| {
            let end =
                g.range.offset.checked_add(g.range.len).ok_or_else(|| crate::Error::format("tile range overflows"))?;
            Ok(g.range.offset..end)
        })
        .collect::<Result<_>>()?;
    reader.read_spans(&spans)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(offset: u64, len: u64) -> ByteRange {
        ByteRange { offset, len }
    }

    #[test]
    fn adjacent_ranges_become_one_read() {
        let g = merge(&[r(100, 10), r(110, 5), r(115, 20)], 0, 1 << 20);
        assert_eq!(g, vec![Group { range: r(100, 35), members: vec![0, 1, 2] }]);
    }

    #[test]
    fn unsorted_input_and_gaps() {
        // 8-byte gaps (trailer + next leader) merge with max_gap 8, not with 7.
        let rs = [r(218, 10), r(200, 10)];
        assert_eq!(merge(&rs, 8, 1 << 20), vec![Group { range: r(200, 28), members: vec![1, 0] }]);
        assert_eq!(merge(&rs, 7, 1 << 20).len(), 2);
    }

    #[test]
    fn overlapping_and_duplicate_ranges() {
        let g = merge(&[r(0, 50), r(10, 5), r(10, 5), r(40, 30)], 0, 1 << 20);
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].range, r(0, 70));
        assert_eq!(g[0].members.len(), 4);
        let buf: Vec<u8> = (0..70).collect();
        assert_eq!(g[0].slice(&buf, r(40, 30)), &buf[40..70]);
    }

    /// A real file presented as a remote source, recording how it is asked.
    struct RecordingRemote {
        file: crate::source::LocalFile,
        batches: std::sync::Mutex<Vec<usize>>,
    }

    impl crate::source::RangeSource for RecordingRemote {
        fn len(&self) -> Result<u64> {
            self.file.len()
        }
        fn read_at(&self, offset: u64, len: usize) -> Result<Vec<u8>> {
            self.file.read_at(offset, len)
        }
        fn read_many(&self, ranges: &[std::ops::Range<u64>]) -> Result<Vec<Vec<u8>>> {
            self.batches.lock().unwrap().push(ranges.len());
            ranges.iter().map(|r| self.file.read_at(r.start, (r.end - r.start) as usize)).collect()
        }
        fn is_local(&self) -> bool {
            false
        }
    }

    #[test]
    fn remote_groups_go_to_the_source_in_one_batch_and_keep_order() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/dump_jpeg_mask.tif");
        let src = std::sync::Arc::new(RecordingRemote {
            file: crate::source::LocalFile::open(path).unwrap(),
            batches: std::sync::Mutex::new(Vec::new()),
        });
        let reader = Reader::new(src.clone(), 16, false);
        reader.len().unwrap();
        // Unsorted on purpose: results must follow the groups' order.
        let groups: Vec<Group> =
            (0..12u64).rev().map(|i| Group { range: r(1000 + i * 997, 50), members: vec![i as usize] }).collect();
        let bufs = fetch(&reader, &groups).unwrap();
        let data = std::fs::read(path).unwrap();
        for (g, b) in groups.iter().zip(&bufs) {
            assert_eq!(&b[..], &data[g.range.offset as usize..g.range.end() as usize]);
        }
        // One call with every group: the remote source runs them concurrently.
        assert_eq!(*src.batches.lock().unwrap(), vec![12]);
        assert_eq!(reader.stats().requests, 12);
    }

    #[test]
    fn reads_are_capped() {
        let g = merge(&[r(0, 60), r(60, 60), r(120, 60)], 0, 100);
        assert_eq!(g.len(), 3);
        // A single range larger than the cap still gets its own read.
        let g = merge(&[r(0, 500)], 0, 100);
        assert_eq!(g, vec![Group { range: r(0, 500), members: vec![0] }]);
    }
}
