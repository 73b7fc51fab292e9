//! Checks GDAL's validator does not make, each with its own rule ID: what a
//! truncated upload, overlapping tiles, unsorted overviews, stray masks or a
//! header beyond the first request do to readers.

use super::findings::{Finding, Rule};
use super::model::{Dataset, Level, load_striles};
use crate::tiff::tags::GDAL_NODATA;
use crate::tiff::{Image, SampleFormat, Tiff};

/// What readers fetch first (GDAL's /vsicurl, most COG clients).
const FIRST_REQUEST: u64 = 16 * 1024;

struct Blocks {
    ifd_offset: u64,
    ifd_index: usize,
    offsets: Vec<u64>,
    counts: Vec<u64>,
    problem: Option<String>,
    blocks: u64,
}

fn chain_blocks(tiff: &Tiff) -> Vec<Blocks> {
    let mut v = Vec::new();
    for (k, ifd) in tiff.ifds.iter().enumerate() {
        let Ok(img) = Image::from_ifd(k, ifd, true) else { continue };
        let (offsets, counts, problem) = load_striles(tiff, ifd, &img);
        v.push(Blocks { ifd_offset: ifd.offset, ifd_index: k, offsets, counts, problem, blocks: img.blocks });
    }
    v
}

pub fn check(tiff: &Tiff, ds: &Dataset, out: &mut Vec<Finding>) {
    let all = chain_blocks(tiff);
    bounds(tiff, &all, out);
    overlap(&all, out);
    decimation(ds, out);
    tile_size(ds, out);
    masks(ds, out);
    header_size(tiff, out);
    float_nodata(ds, out);
}

fn bounds(tiff: &Tiff, all: &[Blocks], out: &mut Vec<Finding>) {
    let size = tiff.file_size;
    for b in all {
        if let Some(p) = &b.problem {
            out.push(Finding::new(
                Rule::TileOutOfBounds,
                format!("IFD {} (offset {}): block arrays cannot be read: {}", b.ifd_index, b.ifd_offset, p),
            ));
            continue;
        }
        let n = (b.blocks as usize).min(b.counts.len());
        let mut bad = 0u64;
        let mut first = None;
        for i in 0..n {
            let (o, c) = (b.offsets.get(i).copied().unwrap_or(0), b.counts[i]);
            if c > 0 && o.checked_add(c).is_none_or(|e| e > size) {
                bad += 1;
                first.get_or_insert((i, o, c));
            }
        }
        if let Some((i, o, c)) = first {
            out.push(Finding::new(
                Rule::TileOutOfBounds,
                format!(
                    "IFD {} (offset {}): {} of {} blocks reach past the end of the file ({} bytes), first block {} at offset {} with {} bytes",
                    b.ifd_index, b.ifd_offset, bad, n, size, i, o, c
                ),
            ));
        }
    }
}

fn overlap(all: &[Blocks], out: &mut Vec<Finding>) {
    // (start, end, ifd index, block index) of every non-empty block.
    let mut r: Vec<(u64, u64, u32, u32)> = Vec::new();
    for b in all {
        let n = (b.blocks as usize).min(b.counts.len());
        for i in 0..n {
            let (o, c) = (b.offsets.get(i).copied().unwrap_or(0), b.counts[i]);
            if c > 0 && o > 0 {
                r.push((o, o.saturating_add(c), b.ifd_index as u32, i as u32));
            }
        }
    }
    r.sort_unstable();
    // Identical ranges are deliberate de-duplication (one stored copy of a
    // repeated tile) and readers handle them; partial overlap is corruption.
    r.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
    let mut count = 0u64;
    let mut first = None;
    let mut reach: Option<(u64, u32, u32, u64)> = None; // (end, ifd, block, start)
    for &(s, e, k, i) in &r {
        if let Some((re, rk, ri, rs)) = reach {
            if s < re {
                count += 1;
                first.get_or_insert((rk, ri, rs, re, k, i, s, e));
            }
            if e > re {
                reach = Some((e, k, i, s));
            }
        } else {
            reach = Some((e, k, i, s));
        }
    }
    if let Some((ak, ai, as_, ae, bk, bi, bs, be)) = first {
        out.push(Finding::new(
            Rule::TileOverlap,
            format!(
                "{} block(s) overlap another block's bytes; first: IFD {} block {} [{}, {}) and IFD {} block {} [{}, {})",
                count, ak, ai, as_, ae, bk, bi, bs, be
            ),
        ));
    }
}

/// rasterio's decimation factor: the width ratio, rounded half to even.
pub fn decimation_of(main: &Level, ovr: &Level) -> u64 {
    (main.width() as f64 / ovr.width().max(1) as f64).round_ties_even() as u64
}

/// The reduction of an overview along its more reduced side: a 1x2001
/// image's overviews (1x1000, 1x500) are reduced in height only.
fn decimation_both(main: &Level, ovr: &Level) -> u64 {
    let h = (main.height() as f64 / ovr.height().max(1) as f64).round_ties_even() as u64;
    decimation_of(main, ovr).max(h)
}

fn decimation(ds: &Dataset, out: &mut Vec<Finding>) {
    let decs: Vec<u64> = ds.overviews.iter().map(|p| decimation_both(&ds.main.image, &p.image)).collect();
    for (i, &d) in decs.iter().enumerate() {
        let o = &ds.overviews[i].image;
        if d <= 1 {
            out.push(Finding::new(
                Rule::OverviewDecimation,
                format!(
                    "Invalid decimation {} for overview level {} ({}x{} of a {}x{} image)",
                    d,
                    i,
                    o.width(),
                    o.height(),
                    ds.main.image.width(),
                    ds.main.image.height()
                ),
            ));
        }
    }
    if decs.windows(2).any(|w| w[1] < w[0]) {
        out.push(Finding::new(
            Rule::OverviewDecimation,
            format!("Overviews should be sorted by decimation; they are {:?}", decs),
        ));
    }
}

fn tile_size(ds: &Dataset, out: &mut Vec<Finding>) {
    let m = &ds.main.image.img;
    if !m.tiled || ds.external_overviews {
        return;
    }
    for (i, p) in ds.overviews.iter().enumerate() {
        let o = &p.image.img;
        if o.tiled && (o.block_width, o.block_height) != (m.block_width, m.block_height) {
            out.push(Finding::new(
                Rule::OverviewTileSize,
                format!(
                    "Overview {} has {}x{} tiles, the main image {}x{}",
                    i, o.block_width, o.block_height, m.block_width, m.block_height
                ),
            ));
        }
    }
}

fn masks(ds: &Dataset, out: &mut Vec<Finding>) {
    for &(off, w, h) in &ds.orphan_masks {
        out.push(Finding::new(
            Rule::MaskIfdOrder,
            format!(
                "mask IFD at offset {} ({}x{}) belongs to no image level before it (wrong size or out of order); GDAL ignores it",
                off, w, h
            ),
        ));
    }
    let mut pairs: Vec<(&str, usize, &Level, &Level)> = Vec::new();
    if let Some(m) = &ds.main.mask {
        pairs.push(("main image", 0, &ds.main.image, m));
    }
    for (i, p) in ds.overviews.iter().enumerate() {
        if let Some(m) = &p.mask {
            pairs.push(("overview", i, &p.image, m));
        }
    }
    let mut prev: Option<u64> = None;
    for (what, i, img, mask) in pairs {
        let label = if what == "overview" { format!("overview {}", i) } else { what.to_string() };
        if mask.ifd.offset < img.ifd.offset {
            out.push(Finding::new(
                Rule::MaskIfdOrder,
                format!(
                    "mask IFD of the {} is at offset {}, before its image IFD at {}",
                    label, mask.ifd.offset, img.ifd.offset
                ),
            ));
        }
        if let Some(p) = prev
            && mask.ifd.offset < p
        {
            out.push(Finding::new(
                Rule::MaskIfdOrder,
                format!(
                    "mask IFD of the {} is at offset {}, before the mask IFD of the previous level at {}",
                    label, mask.ifd.offset, p
                ),
            ));
        }
        prev = Some(mask.ifd.offset);
    }
}

fn header_size(tiff: &Tiff, out: &mut Vec<Finding>) {
    let mut end = 0u64;
    for ifd in &tiff.ifds {
        end = end.max(ifd.offset + ifd.size);
        for e in ifd.entries.iter().filter(|e| !e.inline) {
            let stop = e.value_offset.saturating_add(e.byte_len());
            if stop <= tiff.file_size {
                end = end.max(stop);
            }
        }
    }
    if end > FIRST_REQUEST {
        out.push(Finding::new(
            Rule::HeaderSize,
            format!(
                "the IFDs and their arrays end at byte {}: a reader's first {} KiB request does not get them all",
                end,
                FIRST_REQUEST / 1024
            ),
        ));
    }
}

fn float_nodata(ds: &Dataset, out: &mut Vec<Finding>) {
    let m = &ds.main.image;
    let float = matches!(m.img.sample_format, SampleFormat::Float | SampleFormat::ComplexFloat);
    if float && m.ifd.entry(GDAL_NODATA).is_none() && ds.main.mask.is_none() {
        out.push(Finding::new(
            Rule::FloatNoNodata,
            "floating-point data without a nodata value (GDAL_NODATA) or mask: readers cannot tell empty pixels",
        ));
    }
}
