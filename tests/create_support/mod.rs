//! Helpers for the `create` tests: write small striped input TIFFs at test
//! time (no fixture files, no GDAL needed), and check a COG's structure with
//! our own parser.
#![allow(dead_code)]

use cogtool::raster::RasterReader;
use cogtool::tiff::write::{IfdBuilder, OutTag, header};
use cogtool::tiff::{Ghost, Image, Kind, Tiff};
use std::path::Path;
use std::sync::Arc;

/// Sample types of the matrix: (name, bytes, SampleFormat code).
pub const DTYPES: &[(&str, usize, u16)] = &[
    ("u8", 1, 1),
    ("i8", 1, 2),
    ("u16", 2, 1),
    ("i16", 2, 2),
    ("u32", 4, 1),
    ("i32", 4, 2),
    ("u64", 8, 1),
    ("i64", 8, 2),
    ("f32", 4, 3),
    ("f64", 8, 3),
];

/// Deterministic sample bytes: a smooth gradient plus a little noise, so
/// codecs and resampling have something to do.
pub fn pixels(w: usize, h: usize, bands: usize, bytes: usize, fmt: u16) -> Vec<u8> {
    let mut out = Vec::with_capacity(w * h * bands * bytes);
    let mut seed = 12345u32;
    for y in 0..h {
        for x in 0..w {
            for b in 0..bands {
                seed = seed.wrapping_mul(1103515245).wrapping_add(12345);
                let noise = (seed >> 16) % 7;
                let v = ((x + 2 * y + 37 * b) % 200) as u64 + noise as u64;
                match (fmt, bytes) {
                    (3, 4) => out.extend_from_slice(&(v as f32 * 0.5 - 20.0).to_le_bytes()),
                    (3, 8) => out.extend_from_slice(&(v as f64 * 0.25 - 10.0).to_le_bytes()),
                    (2, _) => out.extend_from_slice(&((v as i64 - 60).to_le_bytes())[..bytes]),
                    _ => out.extend_from_slice(&v.to_le_bytes()[..bytes]),
                }
            }
        }
    }
    out
}

/// Write a little-endian striped, uncompressed TIFF (16 rows per strip).
#[allow(clippy::too_many_arguments)]
pub fn write_tiff(
    path: &Path,
    w: usize,
    h: usize,
    bands: usize,
    bytes: usize,
    fmt: u16,
    data: &[u8],
    extra: Vec<OutTag>,
) {
    assert_eq!(data.len(), w * h * bands * bytes);
    let rps = 16usize;
    let strips = h.div_ceil(rps);
    let row = w * bands * bytes;
    let mut ifd = IfdBuilder::new(false);
    ifd.push(OutTag::long(256, w as u32));
    ifd.push(OutTag::long(257, h as u32));
    ifd.push(OutTag::shorts(258, &vec![(bytes * 8) as u16; bands]));
    ifd.push(OutTag::short(259, 1));
    let photometric = extra.iter().find(|t| t.tag == 262).map(|_| 0).unwrap_or(if bands >= 3 { 2 } else { 1 });
    if photometric != 0 {
        ifd.push(OutTag::short(262, photometric));
    }
    ifd.push(OutTag::short(277, bands as u16));
    ifd.push(OutTag::long(278, rps as u32));
    ifd.push(OutTag::short(284, 1));
    ifd.push(OutTag::shorts(339, &vec![fmt; bands]));
    let base = if bands >= 3 && photometric == 2 { 3 } else { 1 };
    if bands > base && !extra.iter().any(|t| t.tag == 338) {
        ifd.push(OutTag::shorts(338, &vec![0; bands - base]));
    }
    for t in extra {
        ifd.push(t);
    }
    // Placeholders to measure the IFD, then the real arrays.
    ifd.push(OutTag::longs(273, &vec![0; strips]));
    ifd.push(OutTag::longs(279, &vec![0; strips]));
    let data_at = 8u64;
    let ifd_at = (data_at + data.len() as u64).next_multiple_of(2);
    let offs: Vec<u32> = (0..strips).map(|s| (data_at as usize + s * rps * row) as u32).collect();
    let cnts: Vec<u32> = (0..strips).map(|s| ((h - s * rps).min(rps) * row) as u32).collect();
    ifd.push(OutTag::longs(273, &offs));
    ifd.push(OutTag::longs(279, &cnts));
    let mut file = header(false, ifd_at);
    file.extend_from_slice(data);
    file.resize(ifd_at as usize, 0);
    file.extend_from_slice(&ifd.encode(ifd_at, 0));
    std::fs::write(path, file).unwrap();
}

pub fn open(path: &Path) -> Tiff {
    let r = cogtool::source::open(&path.to_string_lossy(), &Default::default()).unwrap();
    Tiff::open(Arc::new(r)).unwrap()
}

/// Full-resolution samples of the first image.
pub fn read_all(path: &Path) -> Vec<u8> {
    let t = open(path);
    let imgs = Image::all(&t).unwrap();
    let r = RasterReader::new(&t, &imgs[0]).unwrap();
    r.read_rows(0, imgs[0].height).unwrap()
}

/// Check GDAL's COG layout with our parser: ghost bytes, IFD kinds and order,
/// overview sizes halving, NewSubfileType, tile leaders and trailers, and
/// tile data ordered smallest overview first. Returns the images.
pub fn check_cog_structure(path: &Path) -> Vec<Image> {
    let bytes = std::fs::read(path).unwrap();
    let t = open(path);
    let imgs = Image::all(&t).unwrap();
    let with_mask = imgs.iter().any(|i| i.kind == Kind::Mask);
    let ghost = Ghost::gdal_bytes(with_mask);
    let hl = if t.bigtiff { 16 } else { 8 };
    assert_eq!(&bytes[hl..hl + ghost.len()], &ghost[..], "ghost area of {}", path.display());
    assert_eq!(t.first_ifd, ((hl + ghost.len()) as u64).next_multiple_of(2));
    // IFD sequence: image, [mask], overviews, [mask overviews].
    let kinds: Vec<Kind> = imgs.iter().map(|i| i.kind).collect();
    let n_ovr = kinds.iter().filter(|k| **k == Kind::Overview).count();
    let mut expect = vec![Kind::Image];
    if with_mask {
        expect.push(Kind::Mask);
    }
    expect.extend(std::iter::repeat_n(Kind::Overview, n_ovr));
    if with_mask {
        expect.extend(std::iter::repeat_n(Kind::OverviewMask, n_ovr));
    }
    assert_eq!(kinds, expect, "IFD sequence of {}", path.display());
    for i in &imgs {
        assert!(i.tiled);
        assert_eq!(i.block_width, i.block_height);
        let want_nst = match i.kind {
            Kind::Image => 0,
            Kind::Overview => 1,
            Kind::Mask => 4,
            Kind::OverviewMask => 5,
            Kind::Other => 99,
        };
        assert_eq!(i.new_subfile_type, want_nst);
    }
    // IFDs all before the first tile; tiles with leader and trailer.
    let last_ifd_end = t.ifds.iter().map(|i| i.offset + i.size).max().unwrap();
    let mut tiles: Vec<(u64, u64, usize)> = Vec::new();
    for (n, i) in imgs.iter().enumerate() {
        let (offs, cnts) = i.block_arrays(&t).unwrap();
        assert_eq!(offs.len() as u64, i.blocks);
        for (o, c) in offs.iter().zip(&cnts) {
            if *c == 0 {
                assert_eq!(*o, 0, "sparse tile with an offset");
                continue;
            }
            assert!(*o > last_ifd_end);
            let (o, c) = (*o as usize, *c as usize);
            assert_eq!(&bytes[o - 4..o], &(c as u32).to_le_bytes(), "leader");
            let mut tr = [0u8; 4];
            let tail = &bytes[o + c.saturating_sub(4)..o + c];
            tr[..tail.len()].copy_from_slice(tail);
            assert_eq!(&bytes[o + c..o + c + 4], &tr, "trailer");
            tiles.push((o as u64, c as u64, n));
        }
    }
    // Order: by level, smallest first, and within a level in tile order.
    tiles.sort();
    let level_of = |n: usize| -> usize {
        match imgs[n].kind {
            Kind::Image | Kind::Mask => 0,
            _ => imgs.iter().filter(|j| j.kind == imgs[n].kind && j.index <= n).count(),
        }
    };
    let mut last_level = usize::MAX;
    for w in tiles.windows(2) {
        assert_eq!(w[0].0 + w[0].1 + 8, w[1].0, "tiles are contiguous");
    }
    for &(_, _, n) in &tiles {
        let l = level_of(n);
        assert!(
            l <= last_level || last_level == usize::MAX,
            "tile data must go from the smallest overview to full resolution"
        );
        last_level = l;
    }
    if let Some(last) = tiles.last() {
        assert_eq!(last.0 + last.1 + 4, bytes.len() as u64, "file ends after the last trailer");
    }
    imgs
}
