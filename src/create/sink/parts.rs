//! How a COG streamed to S3 is cut into the parts of a multipart upload
//! while it is computed (the rules only; [`super::cloud_stream`] sends them).
//!
//! The file is the head (header, IFDs, tile arrays: known last) followed by
//! segments in file order: each level's framed tiles, smallest level first
//! (with band interleave one segment per level and band). Every segment's
//! bytes arrive in order, but the segments fill side by side. S3 numbers
//! parts 1..=10,000, joins them in number order and allows gaps, so every
//! segment gets its own range of numbers, sized from its worst case:
//!
//! - number `first`: the *joint* part, the bytes held back before the
//!   segment (the previous segment's short tail, or the head and any small
//!   segments before it) followed by the segment's first `part` bytes;
//! - `first + 1 ...`: *inner* parts, cut as soon as they fill;
//! - after the last segment, its tail is the last part (the only one S3
//!   lets be smaller than 5 MiB).
//!
//! A segment smaller than a part has no part of its own: it is carried into
//! the next joint. Joints are decided once the head is known, at the end;
//! inner parts go up while the pyramid is still being computed. Nothing is
//! uploaded for an output smaller than one part: it is one PutObject.
//!
//! Inner parts are `part` bytes while a segment is within its estimate (its
//! tiles stored raw); beyond it they double at every part (2x ... 64x,
//! at most 4 GiB), so a segment that compresses worse than raw still fits.

use crate::{Error, Result};

const MIB: u64 = 1 << 20;
/// The smallest part cogtool cuts (S3's minimum is 5 MiB; 8 MiB is the
/// AWS CLI's default).
pub const MIN_PART: u64 = 8 * MIB;
/// S3's limits: part numbers, object size.
pub const MAX_PARTS: u64 = 10_000;
pub const MAX_OBJECT: u64 = 5 << 40;
/// The largest part cut (S3 allows 5 GiB; a joint adds at most one more
/// part's worth of held bytes).
const MAX_CHUNK: u64 = 4 << 30;
/// The largest base part size: beyond, memory for held heads is unreasonable.
const MAX_BASE: u64 = 1 << 30;
/// Numbers per segment beyond its estimate: the joint, the tail, and six
/// parts of 2x to 64x the base size (126 parts' worth) for a segment that
/// outgrows its estimate.
const SPARE: u64 = 8;

/// One part ready to go up.
#[derive(Debug, PartialEq, Eq)]
pub struct Part {
    pub number: u32,
    pub bytes: Vec<u8>,
}

/// How the output ends: the last part (already given to `out`), or the
/// whole object when no part was ever cut (one PutObject).
#[derive(Debug, PartialEq, Eq)]
pub enum End {
    Parts,
    Whole(Vec<u8>),
}

struct Segment {
    first: u32,
    count: u32,
    head: Vec<u8>,
    /// Bytes after the head not yet sent.
    cur: Vec<u8>,
    inner: u32,
    len: u64,
}

/// The cutting state of one streamed output.
pub struct Planner {
    part: u64,
    segments: Vec<Segment>,
    /// Whether any part was given out (then the upload is multipart).
    cut_any: bool,
}

impl Planner {
    /// Ranges for segments of at most `worst[i]` bytes each (file order),
    /// with the smallest base part size (a whole number of MiB, at least
    /// [`MIN_PART`], or `min_part` in tests) that keeps every number within
    /// S3's 10,000. Fails when no reasonable size fits (many bands x levels
    /// or a huge output): the caller then builds locally and uploads.
    pub fn new(worst: &[u64], min_part: u64) -> Result<Planner> {
        let total: u64 = worst.iter().sum();
        let numbers = |p: u64| worst.iter().map(|w| w.div_ceil(p) + SPARE).sum::<u64>();
        let mut part = min_part;
        if numbers(part) > MAX_PARTS {
            let room = MAX_PARTS.saturating_sub(SPARE * worst.len() as u64 + worst.len() as u64);
            if room == 0 {
                return Err(Error::limit(format!(
                    "{} tile segments need more than S3's {} part numbers",
                    worst.len(),
                    MAX_PARTS
                )));
            }
            part = total.div_ceil(room).div_ceil(MIB) * MIB;
            while numbers(part) > MAX_PARTS && part <= MAX_BASE {
                part += MIB;
            }
        }
        if numbers(part) > MAX_PARTS || part > MAX_BASE {
            return Err(Error::limit(format!("{} bytes of tiles cannot be numbered in {} parts", total, MAX_PARTS)));
        }
        let mut next = 1u64;
        let segments = worst
            .iter()
            .map(|&w| {
                let count = w.div_ceil(part) + SPARE;
                let s = Segment {
                    first: next as u32,
                    count: count as u32,
                    head: Vec::new(),
                    cur: Vec::new(),
                    inner: 0,
                    len: 0,
                };
                next += count;
                s
            })
            .collect();
        Ok(Planner { part, segments, cut_any: false })
    }

    /// The base part size.
    pub fn part_size(&self) -> u64 {
        self.part
    }

    /// Size of inner part `k` of a segment with `count` numbers: the base
    /// size within the estimate, then doubling at every part beyond it.
    fn chunk(&self, count: u32, k: u32) -> Option<u64> {
        let estimate = count.checked_sub(SPARE as u32)?;
        if k + 2 > count {
            return None;
        }
        let doublings = (k + 1).saturating_sub(estimate).min(32);
        Some(self.part.saturating_mul(1 << doublings).min(MAX_CHUNK))
    }

    /// Append `bytes` to segment `seg`; full inner parts go to `out`.
    pub fn write(&mut self, seg: usize, mut bytes: &[u8], out: &mut dyn FnMut(Part) -> Result<()>) -> Result<()> {
        let part = self.part;
        let s = &mut self.segments[seg];
        s.len += bytes.len() as u64;
        if (s.head.len() as u64) < part {
            let take = ((part - s.head.len() as u64) as usize).min(bytes.len());
            s.head.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
        }
        while !bytes.is_empty() {
            let (count, k) = (self.segments[seg].count, self.segments[seg].inner);
            let chunk = self
                .chunk(count, k)
                .ok_or_else(|| Error::limit(format!("tile segment {} outgrew its {} part numbers", seg, count)))?
                as usize;
            let s = &mut self.segments[seg];
            let take = (chunk - s.cur.len()).min(bytes.len());
            s.cur.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if s.cur.len() == chunk {
                let number = s.first + 1 + s.inner;
                s.inner += 1;
                let full = std::mem::take(&mut s.cur);
                self.cut_any = true;
                out(Part { number, bytes: full })?;
            }
        }
        Ok(())
    }

    /// Append a piece of `len` bytes that already exists remotely (a staged
    /// part's tiles) to segment `seg`. The bytes that must be held or
    /// joined (the segment's head, a partly filled part, the tail) are read
    /// with `fetch(offset, len)` and taken like [`Planner::write`]'s; every
    /// whole inner part inside the piece goes to `copy(number, offset,
    /// len)` instead, to be copied by the server (UploadPartCopy).
    pub fn write_remote(
        &mut self,
        seg: usize,
        len: u64,
        fetch: &mut dyn FnMut(u64, u64) -> Result<Vec<u8>>,
        copy: &mut dyn FnMut(u32, u64, u64) -> Result<()>,
        out: &mut dyn FnMut(Part) -> Result<()>,
    ) -> Result<()> {
        let mut at = 0u64;
        while at < len {
            let s = &self.segments[seg];
            let aligned = s.head.len() as u64 == self.part && s.cur.is_empty();
            let chunk = self
                .chunk(s.count, s.inner)
                .ok_or_else(|| Error::limit(format!("tile segment {} outgrew its {} part numbers", seg, s.count)))?;
            if aligned && len - at >= chunk {
                let number = s.first + 1 + s.inner;
                copy(number, at, chunk)?;
                let s = &mut self.segments[seg];
                s.inner += 1;
                s.len += chunk;
                self.cut_any = true;
                at += chunk;
                continue;
            }
            // Fill the head or the part being filled, or take the tail.
            let want = if (s.head.len() as u64) < self.part {
                self.part - s.head.len() as u64
            } else {
                chunk - s.cur.len() as u64
            };
            let n = want.min(len - at);
            let bytes = fetch(at, n)?;
            if bytes.len() as u64 != n {
                return Err(Error::io(format!("a staged piece gave {} bytes, not {}", bytes.len(), n)));
            }
            self.write(seg, &bytes, out)?;
            at += n;
        }
        Ok(())
    }

    /// Every segment is complete and `head` is known: send the joints and
    /// the last part to `out`, or return the whole object when it is
    /// smaller than one part and nothing was cut.
    pub fn finish(mut self, head: Vec<u8>, out: &mut dyn FnMut(Part) -> Result<()>) -> Result<End> {
        let total = head.len() as u64 + self.segments.iter().map(|s| s.len).sum::<u64>();
        if total > MAX_OBJECT {
            return Err(Error::limit(format!("{} bytes is beyond S3's 5 TiB object limit", total)));
        }
        let part = self.part;
        let mut carry = head;
        let mut last = 0;
        for s in self.segments.iter_mut() {
            let head_full = s.head.len() as u64 == part;
            carry.append(&mut s.head);
            if head_full || carry.len() as u64 >= part {
                self.cut_any = true;
                out(Part { number: s.first, bytes: std::mem::take(&mut carry) })?;
            }
            carry.append(&mut s.cur);
            last = s.first + s.inner;
        }
        if !self.cut_any {
            return Ok(End::Whole(carry));
        }
        if !carry.is_empty() {
            out(Part { number: last + 1, bytes: carry })?;
        }
        Ok(End::Parts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stream `segs` (file order) through a planner with base part `p`,
    /// feeding them interleaved in pieces, and check S3's rules on the
    /// parts: numbers increasing and within 10,000, every part but the last
    /// at least `p`, and the parts joined equal to head + segments.
    fn run(head: &[u8], segs: &[Vec<u8>], worst: &[u64], p: u64) -> (Vec<(u32, usize)>, bool) {
        let mut planner = Planner::new(worst, p).unwrap();
        let mut parts = Vec::new();
        let mut pos = vec![0usize; segs.len()];
        let mut step = 0usize;
        while pos.iter().zip(segs).any(|(&at, s)| at < s.len()) {
            for (i, s) in segs.iter().enumerate().rev() {
                let n = (7 + 13 * step + i * 5) % 97 + 1;
                let end = (pos[i] + n).min(s.len());
                planner
                    .write(i, &s[pos[i]..end], &mut |p| {
                        parts.push(p);
                        Ok(())
                    })
                    .unwrap();
                pos[i] = end;
            }
            step += 1;
        }
        let end = planner
            .finish(head.to_vec(), &mut |p| {
                parts.push(p);
                Ok(())
            })
            .unwrap();
        let mut want = head.to_vec();
        segs.iter().for_each(|s| want.extend_from_slice(s));
        match end {
            End::Whole(bytes) => {
                assert!(parts.is_empty());
                assert_eq!(bytes, want);
                assert!((bytes.len() as u64) < p);
                (vec![], false)
            }
            End::Parts => {
                parts.sort_by_key(|p| p.number);
                assert!(parts.windows(2).all(|w| w[0].number < w[1].number), "numbers unique");
                assert!(parts.last().unwrap().number as u64 <= MAX_PARTS);
                for x in &parts[..parts.len() - 1] {
                    assert!(x.bytes.len() as u64 >= p, "part {} has {} bytes", x.number, x.bytes.len());
                }
                let joined: Vec<u8> = parts.iter().flat_map(|p| p.bytes.iter().copied()).collect();
                assert!(joined == want, "parts joined differ from the file");
                (parts.iter().map(|p| (p.number, p.bytes.len())).collect(), true)
            }
        }
    }

    fn bytes(n: usize, seed: u8) -> Vec<u8> {
        (0..n).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
    }

    #[test]
    fn small_outputs_are_one_put() {
        let (_, multipart) = run(&bytes(30, 1), &[bytes(5, 2), bytes(40, 3)], &[10, 100], 100);
        assert!(!multipart);
        let (_, multipart) = run(&bytes(30, 1), &[], &[], 100);
        assert!(!multipart);
    }

    #[test]
    fn levels_become_parts_in_file_order() {
        // Head 30, tiny levels carried into the joint of the big one.
        let segs = vec![bytes(3, 1), bytes(20, 2), bytes(90, 3), bytes(1234, 4)];
        let (parts, multipart) = run(&bytes(30, 9), &segs, &[10, 100, 400, 1600], 100);
        assert!(multipart);
        // Ranges 1-9, 10-18, 19-30, 31-54. The joint of the 90-byte level
        // is part 19 (30 + 3 + 20 + 90 = 143 >= 100); the last level's joint
        // is its 100-byte head (31), then 11 inner parts of 100 bytes and its
        // 34-byte tail.
        assert_eq!(parts[0], (19, 143));
        assert_eq!(parts[1], (31, 100));
        assert_eq!(parts.last().unwrap(), &(43, 34));
        assert_eq!(parts.len(), 14);
    }

    #[test]
    fn every_size_mix_obeys_s3s_rules() {
        for sizes in [
            vec![0usize, 0, 0],
            vec![100, 100, 100],
            vec![99, 1, 100, 101],
            vec![250, 0, 2000],
            vec![5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 500],
            vec![1000, 1000, 1000, 3],
        ] {
            let segs: Vec<_> = sizes.iter().enumerate().map(|(i, &n)| bytes(n, i as u8)).collect();
            let worst: Vec<u64> = sizes.iter().map(|&n| n as u64 + 1).collect();
            run(&bytes(17, 77), &segs, &worst, 100);
        }
    }

    #[test]
    fn remote_pieces_are_copied_part_by_part_and_read_only_at_the_edges() {
        // Segment 1 is three remote pieces of 730, 95 and 410 bytes; parts
        // of 100: the head and the partly filled parts are read, every
        // whole part inside a piece is a server-side copy.
        let pieces = [bytes(730, 1), bytes(95, 2), bytes(410, 3)];
        let mut planner = Planner::new(&[100, 2000], 100).unwrap();
        let (mut parts, mut copies, mut read) = (Vec::new(), Vec::new(), 0u64);
        planner
            .write(0, &bytes(40, 9), &mut |p| {
                parts.push(p);
                Ok(())
            })
            .unwrap();
        for (i, piece) in pieces.iter().enumerate() {
            let mut fetch = |o: u64, n: u64| {
                read += n;
                Ok(piece[o as usize..(o + n) as usize].to_vec())
            };
            let mut copy = |number: u32, o: u64, n: u64| {
                copies.push((number, piece[o as usize..(o + n) as usize].to_vec(), i));
                Ok(())
            };
            let mut out = |p: Part| {
                parts.push(p);
                Ok(())
            };
            planner.write_remote(1, piece.len() as u64, &mut fetch, &mut copy, &mut out).unwrap();
        }
        planner
            .finish(bytes(20, 7), &mut |p| {
                parts.push(p);
                Ok(())
            })
            .unwrap();
        let mut all: Vec<(u32, Vec<u8>)> = parts.into_iter().map(|p| (p.number, p.bytes)).collect();
        all.extend(copies.iter().map(|c| (c.0, c.1.clone())));
        all.sort_by_key(|p| p.0);
        let joined: Vec<u8> = all.iter().flat_map(|p| p.1.iter().copied()).collect();
        let mut want = bytes(20, 7);
        want.extend(bytes(40, 9));
        pieces.iter().for_each(|p| want.extend_from_slice(p));
        assert!(joined == want, "parts joined differ from the file");
        // 6 copies from the first piece (100..700), 3 from the last.
        assert_eq!(copies.iter().filter(|c| c.2 == 0).count(), 6);
        assert_eq!(copies.iter().filter(|c| c.2 == 2).count(), 3);
        assert!(read <= 100 + 30 + 95 + 100 + 10, "read {read}");
        for w in all.windows(2) {
            assert!(w[0].0 < w[1].0);
        }
        for p in &all[..all.len() - 1] {
            assert!(p.1.len() >= 100, "part {} has {} bytes", p.0, p.1.len());
        }
    }

    #[test]
    fn segments_beyond_their_estimate_grow_their_parts() {
        // Estimated at 300 bytes (3 parts), it writes 40x more: 3 parts of
        // 100 bytes, then 200, 400, ... 6400.
        let segs = vec![bytes(50, 1), bytes(12_000, 2)];
        let (parts, _) = run(&bytes(10, 3), &segs, &[60, 300], 100);
        let sizes: Vec<usize> = parts.iter().map(|p| p.1).collect();
        assert_eq!(sizes, vec![160, 100, 100, 100, 200, 400, 800, 1600, 3200, 5400], "{parts:?}");
        // 40x more than that has no numbers left: an error, not a wrong file.
        let mut planner = Planner::new(&[300], 100).unwrap();
        let r = planner.write(0, &bytes(500_000, 1), &mut |_| Ok(()));
        assert!(r.unwrap_err().message.contains("outgrew"));
    }

    #[test]
    fn part_size_keeps_within_ten_thousand_numbers() {
        let p = Planner::new(&[100 * MIB; 5], MIN_PART).unwrap();
        assert_eq!(p.part_size(), MIN_PART);
        // 5 TiB in 12 segments: about 525 MiB parts.
        let w = vec![(5u64 << 40) / 12; 12];
        let p = Planner::new(&w, MIN_PART).unwrap();
        let used: u64 = w.iter().map(|x| x.div_ceil(p.part_size()) + SPARE).sum();
        assert!(used <= MAX_PARTS && p.part_size().is_multiple_of(MIB), "{} {}", used, p.part_size());
        assert!(p.part_size() < 600 * MIB);
        // More segments than numbers.
        assert!(Planner::new(&vec![1; 1200], MIN_PART).is_err());
    }
}
