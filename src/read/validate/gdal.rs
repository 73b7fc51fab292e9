//! GDAL's structural checks (`validate_cloud_optimized_geotiff.py`), each
//! message mapped to one rule ID and worded with GDAL's facts.

use super::findings::{Details, Finding, Rule};
use super::model::{Dataset, Level};
use crate::tiff::Tiff;

/// The layout optimisations the ghost area declares, as GDAL's validator
/// reads them: by substring, and only when the main IFD is not at 8/16.
#[derive(Debug, Clone, Copy, Default)]
pub struct Declared {
    pub row_major: bool,
    pub leader: bool,
    pub trailer: bool,
    pub mask_interleaved: bool,
}

impl Declared {
    pub fn any(&self) -> bool {
        self.row_major || self.leader || self.trailer || self.mask_interleaved
    }
}

/// GDAL's "not tiled" test: a block as wide as the image and wider than 1024.
fn not_tiled(l: &Level) -> bool {
    l.img.block_width == l.width() && l.img.block_width > 1024
}

pub fn check(tiff: &Tiff, ds: &Dataset, out: &mut Vec<Finding>, details: &mut Details) -> Declared {
    check_size(ds, out);
    let declared = check_main_ifd(tiff, out);
    let ifd_offsets = check_overview_ifds(tiff, ds, out, details);
    check_data_order(tiff, ds, &ifd_offsets, out, details);
    declared
}

/// External overviews, and the rules for an image larger than 512 pixels
/// (tiled, with overviews).
fn check_size(ds: &Dataset, out: &mut Vec<Finding>) {
    let main = &ds.main.image;
    if ds.external_overviews {
        out.push(Finding::new(
            Rule::ExternalOverviews,
            "Overviews found in external .ovr file. They should be internal",
        ));
    }
    if main.width() > 512 || main.height() > 512 {
        if not_tiled(main) {
            out.push(Finding::new(
                Rule::NotTiled,
                format!(
                    "The file is greater than 512xH or Wx512, but is not tiled ({}x{} image in blocks of {}x{})",
                    main.width(),
                    main.height(),
                    main.img.block_width,
                    main.img.block_height
                ),
            ));
        }
        if ds.overviews.is_empty() {
            out.push(Finding::new(
                Rule::NoOverviews,
                format!(
                    "The file is greater than 512xH or Wx512, it is recommended to include internal overviews ({}x{} image)",
                    main.width(),
                    main.height()
                ),
            ));
        }
    }
}

/// The main IFD right after the header and the ghost area, and what the
/// ghost area declares.
fn check_main_ifd(tiff: &Tiff, out: &mut Vec<Finding>) -> Declared {
    let mut declared = Declared::default();
    let main_ifd = tiff.first_ifd;
    if main_ifd != 8 && main_ifd != 16 {
        let mut expected = if tiff.bigtiff { 16 } else { 8 };
        if let Some(g) = &tiff.ghost {
            let t = &g.text;
            declared.row_major = t.contains("BLOCK_ORDER=ROW_MAJOR");
            declared.leader = t.contains("BLOCK_LEADER=SIZE_AS_UINT4");
            declared.trailer = t.contains("BLOCK_TRAILER=LAST_4_BYTES_REPEATED");
            declared.mask_interleaved = t.contains("MASK_INTERLEAVED_WITH_IMAGERY=YES");
            if t.contains("KNOWN_INCOMPATIBLE_EDITION=YES") {
                out.push(Finding::new(
                    Rule::IncompatibleEdition,
                    "KNOWN_INCOMPATIBLE_EDITION=YES is declared in the file",
                ));
            }
            expected += crate::tiff::ghost::GHOST_FIRST_LINE_LEN + g.declared_size;
            expected += expected % 2;
        }
        if expected != main_ifd {
            out.push(Finding::new(
                Rule::MainIfdOffset,
                format!("The offset of the main IFD should be {}. It is {} instead", expected, main_ifd),
            ));
        }
    }
    declared
}

/// Overview sizes decreasing, overviews tiled, IFDs in increasing offsets;
/// returns the IFD offsets, main first.
fn check_overview_ifds(tiff: &Tiff, ds: &Dataset, out: &mut Vec<Finding>, details: &mut Details) -> Vec<u64> {
    let main = &ds.main.image;
    let main_ifd = tiff.first_ifd;
    details.ifd_offsets.push(("main".into(), main_ifd));
    let mut ifd_offsets = vec![main_ifd];
    for (i, p) in ds.overviews.iter().enumerate() {
        let o = &p.image;
        if i == 0 {
            if o.width() > main.width() || o.height() > main.height() {
                out.push(Finding::new(
                    Rule::OverviewLargerThanMain,
                    format!(
                        "First overview has larger dimension than main band ({}x{} vs {}x{})",
                        o.width(),
                        o.height(),
                        main.width(),
                        main.height()
                    ),
                ));
            }
        } else {
            let prev = &ds.overviews[i - 1].image;
            if o.width() > prev.width() || o.height() > prev.height() {
                out.push(Finding::new(
                    Rule::OverviewSizeOrder,
                    format!(
                        "Overview of index {} has larger dimension than overview of index {} ({}x{} vs {}x{})",
                        i,
                        i - 1,
                        o.width(),
                        o.height(),
                        prev.width(),
                        prev.height()
                    ),
                ));
            }
        }
        if not_tiled(o) {
            out.push(Finding::new(Rule::OverviewNotTiled, format!("Overview of index {} is not tiled", i)));
        }
        let off = o.ifd.offset;
        details.ifd_offsets.push((format!("overview_{}", i), off));
        let prev_off = *ifd_offsets.last().unwrap();
        ifd_offsets.push(off);
        if off < prev_off {
            let msg = if i == 0 {
                format!(
                    "The offset of the IFD for overview of index {} is {}, whereas it should be greater than the one of the main image, which is at byte {}",
                    i, off, prev_off
                )
            } else {
                format!(
                    "The offset of the IFD for overview of index {} is {}, whereas it should be greater than the one of index {}, which is at byte {}",
                    i,
                    off,
                    i - 1,
                    prev_off
                )
            };
            out.push(Finding::new(Rule::IfdOrder, msg));
        }
    }
    ifd_offsets
}

/// Imagery after every IFD, from the smallest overview to the main image;
/// records where the header ends.
fn check_data_order(tiff: &Tiff, ds: &Dataset, ifd_offsets: &[u64], out: &mut Vec<Finding>, details: &mut Details) {
    let main = &ds.main.image;
    // Imagery must start with the smallest overview and end with the main image.
    let mut data = vec![main.first_block_offset()];
    details.data_offsets.push(("main".into(), data[0]));
    for (i, p) in ds.overviews.iter().enumerate() {
        let d = p.image.first_block_offset();
        details.data_offsets.push((format!("overview_{}", i), d));
        data.push(d);
    }
    let n = ds.overviews.len();
    let last = *data.last().unwrap();
    let last_ifd = *ifd_offsets.last().unwrap();
    if last != 0 && last < last_ifd {
        let what = if n > 0 { "the smallest overview" } else { "the image" };
        out.push(Finding::new(
            Rule::FirstBlockBeforeIfd,
            format!(
                "The offset of the first block of {} should be after its IFD (block at {}, IFD at {})",
                what, last, last_ifd
            ),
        ));
    }
    for i in (1..data.len().saturating_sub(1)).rev() {
        if data[i] != 0 && data[i] < data[i + 1] {
            out.push(Finding::new(
                Rule::DataOrder,
                format!(
                    "The offset of the first block of overview of index {} should be after the one of the overview of index {} ({} < {})",
                    i - 1,
                    i,
                    data[i],
                    data[i + 1]
                ),
            ));
        }
    }
    if data.len() >= 2 && data[0] != 0 && data[0] < data[1] {
        out.push(Finding::new(
            Rule::DataOrder,
            format!(
                "The offset of the first block of the main resolution image should be after the one of the overview of index {} ({} < {})",
                n - 1,
                data[0],
                data[1]
            ),
        ));
    }
    let min = data.iter().copied().min().unwrap_or(0);
    details.header_bytes = if min == 0 { tiff.file_size } else { min };
}
