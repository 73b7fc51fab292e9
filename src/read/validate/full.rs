//! GDAL's per-block "full check": with the layout the ghost area declares,
//! every block must be in row-major order, carry its size in a 4-byte
//! leader, repeat its last 4 bytes as a trailer, and (with an interleaved
//! mask) be followed directly by its mask block.

use super::findings::{Finding, Rule};
use super::gdal::Declared;
use super::model::{Dataset, Level, Origin};
use crate::source::Reader;

/// Run the full check over the main image, its mask and every overview
/// (and overview mask), as GDAL does. Masks from a `.msk` sidecar are skipped.
pub fn check(reader: &Reader, ds: &Dataset, d: Declared, out: &mut Vec<Finding>) {
    let m = &ds.main;
    band(reader, "Main resolution image", &m.image, m.mask.as_ref(), d, d.mask_interleaved, out);
    if let Some(mask) = m.mask.as_ref().filter(|l| l.img.samples == 1 && !ds.msk_sidecar) {
        band(reader, "Mask band of main resolution image", mask, None, d, false, out);
    }
    for (i, p) in ds.overviews.iter().enumerate() {
        band(reader, &format!("Overview {}", i), &p.image, p.mask.as_ref(), d, d.mask_interleaved, out);
        if let Some(mask) = p.mask.as_ref().filter(|l| l.img.samples == 1 && !ds.msk_sidecar) {
            band(reader, &format!("Mask band of overview {}", i), mask, None, d, false, out);
        }
    }
}

/// Read `len` bytes at `offset`; fewer (or none) when the file ends first.
fn read_some(reader: &Reader, offset: u64, len: usize) -> Vec<u8> {
    reader.source().read_at(offset, len).unwrap_or_default()
}

fn band(
    reader: &Reader,
    name: &str,
    level: &Level,
    mask: Option<&Level>,
    d: Declared,
    interleaved: bool,
    out: &mut Vec<Finding>,
) {
    let img = &level.img;
    // Sidecar levels live in another file: only the main file's size counts here.
    let file_size = match level.origin {
        Origin::Main => reader.len().unwrap_or(u64::MAX),
        Origin::Sidecar => u64::MAX,
    };
    let mut mask = if interleaved { mask } else { None };
    if let Some(mk) = mask
        && (mk.img.block_width, mk.img.block_height) != (img.block_width, img.block_height)
    {
        out.push(Finding::new(
            Rule::MaskBlockSize,
            format!(
                "{}: mask block size is different from its imagery band ({}x{} vs {}x{})",
                name, mk.img.block_width, mk.img.block_height, img.block_width, img.block_height
            ),
        ));
        mask = None;
    }
    // Only blocks whose entries exist can be available; the rest of the grid
    // is empty, so the loop stops there (a hostile grid of 2^31 costs nothing).
    let across = img.blocks_across;
    let grid = level.band_blocks();
    let limit = grid.min(level.counts.len().max(mask.map_or(0, |m| m.counts.len())) as u64);
    let mut last = 0u64;
    for i in 0..limit {
        let (x, y) = (i % across, i / across);
        let (mut offset, count) = level.block(i).unwrap_or((0, 0));
        // A block past the end of the file is reported once, as
        // tile-out-of-bounds; its missing leader and trailer add nothing.
        let past_end = offset.checked_add(count).is_none_or(|e| e > file_size);
        if offset > 0 {
            if d.row_major && offset < last {
                out.push(Finding::new(
                    Rule::BlockOrder,
                    format!(
                        "{}: offset of block ({}, {}) is smaller than previous block ({} < {})",
                        name, x, y, offset, last
                    ),
                ));
            }
            let at = BlockAt { reader, name, x, y, offset, count };
            if d.leader && !past_end {
                at.check_leader(out);
            }
            if d.trailer && count >= 4 && !past_end {
                at.check_trailer(out);
            }
        }
        if let Some(mk) = mask {
            let at = BlockAt { reader, name, x, y, offset, count };
            if let Some(moved) = at.check_mask(mk, d, last, out) {
                offset = moved;
            }
        }
        last = offset;
    }
}

/// One image block under check: where it is in the grid and in the file.
struct BlockAt<'a> {
    reader: &'a Reader,
    name: &'a str,
    x: u64,
    y: u64,
    offset: u64,
    count: u64,
}

impl BlockAt<'_> {
    /// The 4 bytes before the block hold its size (BLOCK_LEADER).
    fn check_leader(&self, out: &mut Vec<Finding>) {
        let (name, x, y, offset, count) = (self.name, self.x, self.y, self.offset, self.count);
        let lb = if offset >= 4 { read_some(self.reader, offset - 4, 4) } else { Vec::new() };
        if lb.len() < 4 {
            out.push(Finding::new(
                Rule::LeaderSize,
                format!(
                    "{}: for block ({}, {}), leader bytes at offset {} cannot be read",
                    name,
                    x,
                    y,
                    offset.saturating_sub(4)
                ),
            ));
            return;
        }
        let leader = u32::from_le_bytes([lb[0], lb[1], lb[2], lb[3]]) as u64;
        if leader != count {
            out.push(Finding::new(
                Rule::LeaderSize,
                format!("{}: for block ({}, {}), size in leader bytes is {} instead of {}", name, x, y, leader, count),
            ));
        }
    }

    /// The 4 bytes after the block repeat its last 4 (BLOCK_TRAILER).
    fn check_trailer(&self, out: &mut Vec<Finding>) {
        let (offset, count) = (self.offset, self.count);
        // Hostile offsets/counts near 2^64 must not overflow.
        let tb = match offset.checked_add(count - 4) {
            Some(at) => read_some(self.reader, at, 8),
            None => Vec::new(),
        };
        if tb.len() < 8 || tb[0..4] != tb[4..8] {
            out.push(Finding::new(
                Rule::TrailerBytes,
                format!(
                    "{}: for block ({}, {}), trailer bytes are invalid (at offset {})",
                    self.name,
                    self.x,
                    self.y,
                    offset.saturating_add(count)
                ),
            ));
        }
    }

    /// The mask block right after its image block (with leader and
    /// trailer), or in block order when the image block is empty. Returns
    /// the mask block's offset when it stands in for an empty image block.
    fn check_mask(&self, mk: &Level, d: Declared, last: u64, out: &mut Vec<Finding>) -> Option<u64> {
        let (name, x, y, offset, count) = (self.name, self.x, self.y, self.offset, self.count);
        let mi = y * mk.img.blocks_across + x;
        let mask_offset = mk.block(mi).map_or(0, |(o, _)| o);
        if offset > 0 && mask_offset > 0 {
            let expected = offset
                .saturating_add(count)
                .saturating_add(if d.leader { 4 } else { 0 } + if d.trailer { 4 } else { 0 });
            if mask_offset != expected {
                out.push(Finding::new(
                    Rule::MaskOffset,
                    format!(
                        "Mask of {}: for block ({}, {}), offset is {}, whereas {} was expected",
                        name, x, y, mask_offset, expected
                    ),
                ));
            }
            return None;
        }
        if offset == 0 && mask_offset > 0 {
            if d.row_major && mask_offset < last {
                out.push(Finding::new(
                    Rule::BlockOrder,
                    format!(
                        "Mask of {}: offset of block ({}, {}) is smaller than previous block ({} < {})",
                        name, x, y, mask_offset, last
                    ),
                ));
            }
            return Some(mask_offset);
        }
        None
    }
}
