//! rio-cogeo's `cog_validate` (7.0.4), reproduced over the same GDAL view:
//! size threshold on either side without GDAL's `> 1024` condition, main
//! IFD below 300, decimation checks, and its first-block scan (which walks a
//! grid built from the main block shape with width and height swapped, and
//! skips zero offsets).

use super::beyond::decimation_of;
use super::findings::{Details, Finding, Rule};
use super::model::{Dataset, Level};
use crate::tiff::Tiff;

/// `BLOCK_OFFSET_x_y` of a level, 0 when outside its grid or not available.
fn block_offset(l: &Level, x: u64, y: u64) -> u64 {
    if x >= l.img.blocks_across || y >= l.img.blocks_down {
        return 0;
    }
    l.block(y * l.img.blocks_across + x).map_or(0, |(o, _)| o)
}

/// rio's scan: rows of `ceil(h / block_w)`, columns of `ceil(w / block_h)`.
fn first_offset(l: &Level, w: u64, h: u64, block_w: u64, block_h: u64) -> Option<u64> {
    let ys = h.div_ceil(block_w.max(1));
    let xs = w.div_ceil(block_h.max(1));
    // Outside the level's real grid every offset is 0: bound the walk by it.
    for y in 0..ys.min(l.img.blocks_down) {
        if y * l.img.blocks_across >= l.counts.len() as u64 {
            break; // no entries from here on: every offset is 0
        }
        for x in 0..xs.min(l.img.blocks_across) {
            let o = block_offset(l, x, y);
            if o > 0 {
                return Some(o);
            }
        }
    }
    None
}

pub fn check(name: &str, tiff: &Tiff, ds: &Dataset, out: &mut Vec<Finding>, details: &mut Details) {
    let main = &ds.main.image;
    let decs: Vec<u64> = ds.overviews.iter().map(|p| decimation_of(main, &p.image)).collect();
    check_basics(name, tiff, ds, &decs, out, details);
    let ifd_offsets = check_overview_ifds(tiff, ds, &decs, out, details);
    check_data_order(tiff, ds, &decs, &ifd_offsets, out, details);
}

/// External overviews, tiling and overviews of a large image, the main
/// IFD's offset, an invalidated layout.
fn check_basics(name: &str, tiff: &Tiff, ds: &Dataset, decs: &[u64], out: &mut Vec<Finding>, details: &mut Details) {
    let main = &ds.main.image;
    let (w, h) = (main.width(), main.height());
    let bw = main.img.block_width;
    // rio looks at the suffix of every file GDAL lists, the source included.
    if ds.external_overviews || name.to_ascii_lowercase().ends_with(".ovr") {
        out.push(Finding::new(
            Rule::ExternalOverviews,
            "Overviews found in external .ovr file. They should be internal",
        ));
    }
    if w > 512 || h > 512 {
        if bw == w {
            out.push(Finding::new(Rule::NotTiled, "The file is greater than 512xH or 512xW, but is not tiled"));
        }
        if decs.is_empty() {
            out.push(Finding::new(
                Rule::NoOverviews,
                "The file is greater than 512xH or 512xW, it is recommended to include internal overviews",
            ));
        }
    }
    let main_ifd = tiff.first_ifd;
    if main_ifd > 300 {
        out.push(Finding::new(
            Rule::MainIfdOffset,
            format!("The offset of the main IFD should be < 300. It is {} instead", main_ifd),
        ));
    }
    details.ifd_offsets.push(("main".into(), main_ifd));
    if tiff.ghost.as_ref().is_some_and(|g| g.text.contains("KNOWN_INCOMPATIBLE_EDITION=YES")) {
        out.push(Finding::new(
            Rule::IncompatibleEdition,
            "This file used to have optimizations in its layout, but those have been, at least partly, invalidated by later changes",
        ));
    }
}

/// Overview decimations sorted and above 1, IFDs in increasing offsets;
/// returns the IFD offsets, main first.
fn check_overview_ifds(
    tiff: &Tiff,
    ds: &Dataset,
    decs: &[u64],
    out: &mut Vec<Finding>,
    details: &mut Details,
) -> Vec<u64> {
    let main_ifd = tiff.first_ifd;
    let mut sorted = decs.to_vec();
    sorted.sort_unstable();
    if !decs.is_empty() && decs != sorted {
        out.push(Finding::new(Rule::OverviewDecimation, "Overviews should be sorted"));
    }
    let mut ifd_offsets = vec![main_ifd];
    for (ix, &dec) in decs.iter().enumerate() {
        if dec <= 1 {
            out.push(Finding::new(
                Rule::OverviewDecimation,
                format!("Invalid Decimation {} for overview level {}", dec, ix),
            ));
        }
        let off = ds.overviews[ix].image.ifd.offset;
        let prev = *ifd_offsets.last().unwrap();
        ifd_offsets.push(off);
        details.ifd_offsets.push((format!("overview_{}", ix), off));
        if off < prev {
            let msg = if ix == 0 {
                format!(
                    "The offset of the IFD for overview of index {} is {}, whereas it should be greater than the one of the main image, which is at byte {}",
                    ix, off, prev
                )
            } else {
                format!(
                    "The offset of the IFD for overview of index {} is {}, whereas it should be greater than the one of index {}, which is at byte {}",
                    ix,
                    off,
                    ix - 1,
                    prev
                )
            };
            out.push(Finding::new(Rule::IfdOrder, msg));
        }
    }
    ifd_offsets
}

/// Imagery after every IFD, from the smallest overview to the main image;
/// large overviews tiled; records where the header ends.
fn check_data_order(
    tiff: &Tiff,
    ds: &Dataset,
    decs: &[u64],
    ifd_offsets: &[u64],
    out: &mut Vec<Finding>,
    details: &mut Details,
) {
    let main = &ds.main.image;
    let (w, h) = (main.width(), main.height());
    let (bw, bh) = (main.img.block_width, main.img.block_height);
    let mut data: Vec<u64> = Vec::new();
    if let Some(o) = first_offset(main, w, h, bw, bh) {
        data.push(o);
        details.data_offsets.push(("main".into(), o));
    }
    for (ix, &dec) in decs.iter().enumerate() {
        if dec == 0 {
            continue;
        }
        if let Some(o) = first_offset(&ds.overviews[ix].image, w / dec, h / dec, bw, bh) {
            data.push(o);
            details.data_offsets.push((format!("overview_{}", ix), o));
        }
    }
    if let (Some(&d), Some(&i)) = (data.last(), ifd_offsets.last())
        && d < i
    {
        let what = if decs.is_empty() { "the image" } else { "the smallest overview" };
        out.push(Finding::new(
            Rule::FirstBlockBeforeIfd,
            format!("The offset of the first block of {} should be after its IFD", what),
        ));
    }
    for i in (1..data.len().saturating_sub(1)).rev() {
        if data[i] < data[i + 1] {
            out.push(Finding::new(
                Rule::DataOrder,
                format!("The offset of the first block of overview of index {} should be after the one of the overview of index {}", i - 1, i),
            ));
        }
    }
    if data.len() >= 2 && data[0] < data[1] {
        out.push(Finding::new(
            Rule::DataOrder,
            format!(
                "The offset of the first block of the main resolution image should be after the one of the overview of index {}",
                decs.len() as i64 - 1
            ),
        ));
    }
    for (ix, p) in ds.overviews.iter().enumerate() {
        let o = &p.image;
        if (o.width() > 512 || o.height() > 512) && o.img.block_width == o.width() {
            out.push(Finding::new(Rule::OverviewNotTiled, format!("Overview of index {} is not tiled", ix)));
        }
    }
    let min = data.iter().copied().min().unwrap_or(0);
    details.header_bytes = if min == 0 { tiff.file_size } else { min };
}
