//! Resource limits: hand-made TIFFs whose declared sizes would make a naive
//! reader allocate or loop without bound. `cogtool info` must refuse each
//! with exit 2 and one line naming the file and the limit, quickly.

use crate::common;

use cogtool::tiff::tags::*;
use cogtool::tiff::write::{IfdBuilder, OutTag, header};
use std::path::Path;
use std::time::{Duration, Instant};

/// One IFD after a classic header; `extra` bytes appended (tile data).
fn one_ifd(tags: Vec<OutTag>, extra: &[u8]) -> Vec<u8> {
    let mut b = IfdBuilder::new(false);
    for t in tags {
        b.push(t);
    }
    let mut out = header(false, 8);
    out.extend_from_slice(&b.encode(8, 0));
    out.extend_from_slice(extra);
    out
}

/// `info` describes a huge grid without allocating for it (GDAL opens such
/// files too); `create`, which would decode, refuses before allocating and
/// leaves no output.
fn describes_but_create_refuses(dir: &Path, name: &str, bytes: &[u8], expect: &str) {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    let start = Instant::now();
    let o = common::cogtool([std::ffi::OsStr::new("info"), p.as_os_str()]);
    assert!(matches!(o.status.code(), Some(0) | Some(2)), "{}: info exit {:?}", name, o.status);
    assert!(start.elapsed() < Duration::from_secs(20), "{}: info took {:?}", name, start.elapsed());
    let out = dir.join(format!("{}.cog.tif", name));
    let start = Instant::now();
    let o = common::cogtool([std::ffi::OsStr::new("create"), p.as_os_str(), out.as_os_str()]);
    let took = start.elapsed();
    assert!(!out.exists(), "{}: create left an output", name);
    let err = common::stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{}: exit {:?}, stderr {:?}", name, o.status, err);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "{}: stderr is not one line: {:?}", name, err);
    assert!(lines[0].contains(expect), "{}: expected {:?} in {:?}", name, expect, lines[0]);
    assert!(took < Duration::from_secs(20), "{}: took {:?}", name, took);
}

fn info_refuses(dir: &Path, name: &str, bytes: &[u8], expect: &str) {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    let start = Instant::now();
    let o = common::cogtool([std::ffi::OsStr::new("info"), p.as_os_str()]);
    let took = start.elapsed();
    let err = common::stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{}: exit {:?}, stderr {:?}", name, o.status, err);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "{}: stderr is not one line: {:?}", name, err);
    assert!(lines[0].starts_with(&format!("cogtool: {}: ", p.display())), "{}: {:?}", name, lines[0]);
    assert!(lines[0].contains(expect), "{}: expected {:?} in {:?}", name, expect, lines[0]);
    assert!(took < Duration::from_secs(20), "{}: took {:?}", name, took);
}

fn image_tags(w: u32, h: u32, tile: u32, n_blocks_field: u32, arrays_at: u32) -> Vec<OutTag> {
    // Strile arrays declared with `n_blocks_field` values at `arrays_at`
    // (they need not fit: the limit must trigger before anyone reads them).
    let lazy = |tag: u16| OutTag {
        tag,
        field_type: cogtool::tiff::FieldType::Long,
        count: n_blocks_field as u64,
        bytes: if n_blocks_field == 1 { vec![16, 0, 0, 0] } else { arrays_at.to_le_bytes().to_vec() },
    };
    vec![
        OutTag::long(IMAGE_WIDTH, w),
        OutTag::long(IMAGE_LENGTH, h),
        OutTag::short(BITS_PER_SAMPLE, 8),
        OutTag::short(COMPRESSION, 1),
        OutTag::short(PHOTOMETRIC, 1),
        OutTag::short(SAMPLES_PER_PIXEL, 1),
        OutTag::long(TILE_WIDTH, tile),
        OutTag::long(TILE_LENGTH, tile),
        lazy(TILE_OFFSETS),
        lazy(TILE_BYTE_COUNTS),
    ]
}

/// The encoder writes `bytes` inline when they fit; for counts above 1 we
/// want the 4 bytes to be an offset, which `OutTag` cannot express, so patch
/// the count fields after encoding.
fn patch_counts(mut file: Vec<u8>, count: u32) -> Vec<u8> {
    let n = u16::from_le_bytes([file[8], file[9]]) as usize;
    for i in 0..n {
        let at = 10 + 12 * i;
        let tag = u16::from_le_bytes([file[at], file[at + 1]]);
        if tag == TILE_OFFSETS || tag == TILE_BYTE_COUNTS {
            file[at + 4..at + 8].copy_from_slice(&count.to_le_bytes());
        }
    }
    file
}

#[test]
fn a_tile_of_2_31_by_2_31_pixels_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let f = one_ifd(image_tags(1 << 31, 1 << 31, 1 << 31, 1, 0), &[0u8; 16]);
    describes_but_create_refuses(tmp.path(), "huge_tile.tif", &f, "beyond GDAL's 2147483647-pixel side limit");
}

#[test]
fn a_billion_tiles_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    // 640000 x 400000 pixels in 16x16 tiles: 40000 x 25000 = 10^9 tiles.
    let f = one_ifd(image_tags(640_000, 400_000, 16, 4, 1000), &[0u8; 64]);
    let f = patch_counts(f, 1_000_000_000);
    describes_but_create_refuses(tmp.path(), "billion_tiles.tif", &f, "declares 1000000000 blocks");
}

#[test]
fn a_hundred_thousand_ifds_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    // 100,000 one-entry IFDs of 18 bytes each, chained.
    let n = 100_000u32;
    let mut f = header(false, 8);
    for i in 0..n {
        let at = 8 + 18 * i;
        let next = if i + 1 < n { at + 18 } else { 0 };
        let mut b = IfdBuilder::new(false);
        b.push(OutTag::long(IMAGE_WIDTH, 1));
        f.extend_from_slice(&b.encode(at as u64, next as u64));
    }
    // info reads the chain leniently (as libtiff): the IFD limit ends it,
    // and the first IFD (no ImageLength) is then refused, quickly.
    info_refuses(tmp.path(), "many_ifds.tif", &f, "has no ImageLength");
}

#[test]
fn overlapping_ifds_cannot_multiply_memory() {
    // 5000 IFDs of 65535 entries each, 6 bytes apart: every IFD re-reads
    // almost the same 786 KB of entries. Without a bound this is 5000 x
    // 65535 entries (tens of GB) from an 846 KB file.
    let tmp = tempfile::tempdir().unwrap();
    let k = 5000usize;
    let n = 65535usize;
    let next_at = |i: usize| 8 + 6 * i + 2 + 12 * n;
    let mut f = header(false, 8);
    f.resize(next_at(k - 1) + 4, 0);
    for i in 0..k {
        let at = 8 + 6 * i;
        f[at..at + 2].copy_from_slice(&(n as u16).to_le_bytes());
        let next = if i + 1 < k { (8 + 6 * (i + 1)) as u32 } else { 0 };
        f[next_at(i)..next_at(i) + 4].copy_from_slice(&next.to_le_bytes());
    }
    // The overlap bound ends the lenient chain; the first IFD is refused.
    info_refuses(tmp.path(), "overlapping_ifds.tif", &f, "has no ImageWidth");
}

#[test]
fn sizes_near_2_64_do_not_overflow() {
    // BigTIFF allows LONG8 sizes: a 2^63-pixel-wide tile of 2^63-bit samples
    // made `width * bits` overflow (a panic in debug builds).
    let tmp = tempfile::tempdir().unwrap();
    let mut b = IfdBuilder::new(true);
    b.push(OutTag::long8s(IMAGE_WIDTH, &[1 << 63]));
    b.push(OutTag::long8s(IMAGE_LENGTH, &[1 << 63]));
    b.push(OutTag::long8s(BITS_PER_SAMPLE, &[1 << 63, 1 << 63]));
    b.push(OutTag::short(SAMPLES_PER_PIXEL, 2));
    b.push(OutTag::long8s(TILE_WIDTH, &[1 << 63]));
    b.push(OutTag::long8s(TILE_LENGTH, &[1 << 63]));
    b.push(OutTag::long8s(TILE_OFFSETS, &[32]));
    b.push(OutTag::long8s(TILE_BYTE_COUNTS, &[1]));
    let mut f = header(true, 16);
    f.extend_from_slice(&b.encode(16, 0));
    describes_but_create_refuses(tmp.path(), "long8_sizes.tif", &f, "9223372036854775808 bits per sample");
}

#[test]
fn integer_accessors_on_text_values_are_errors() {
    // entry_u64_range on an eager non-integer value used to slice an empty
    // Vec (index out of range panic).
    let f = one_ifd(
        vec![OutTag::long(IMAGE_WIDTH, 1), OutTag::long(IMAGE_LENGTH, 1), OutTag::ascii(SOFTWARE, "hello world")],
        &[],
    );
    let reader = cogtool::source::Reader::new(std::sync::Arc::new(Mem(f)), 16384, false);
    let t = cogtool::tiff::Tiff::open(std::sync::Arc::new(reader)).unwrap();
    let e = t.ifds[0].entry(SOFTWARE).unwrap();
    assert!(e.value.is_some());
    let err = t.entry_u64_range(e, 0, 3).unwrap_err();
    assert!(err.message.contains("not an integer array"), "{}", err.message);
    assert!(t.entry_u64_at(e, 0).is_err());
}

struct Mem(Vec<u8>);
impl cogtool::source::RangeSource for Mem {
    fn len(&self) -> cogtool::Result<u64> {
        Ok(self.0.len() as u64)
    }
    fn read_at(&self, offset: u64, len: usize) -> cogtool::Result<Vec<u8>> {
        let s = (offset as usize).min(self.0.len());
        Ok(self.0[s..(s + len).min(self.0.len())].to_vec())
    }
    fn is_local(&self) -> bool {
        true
    }
}
