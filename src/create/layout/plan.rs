//! The layout planner: where every byte of the COG goes, decided once all
//! compressed tile sizes are known and before the first byte is written.
//!
//! GDAL's order (checked byte for byte against `gdal_translate -of COG` in
//! tests/create/create_gdal.rs; the IFD sequence is [`IfdOrder::sequence`]):
//! header; ghost area; IFD of the full image, of its mask, of the overviews
//! largest to smallest, of the mask overviews; each IFD followed by its
//! out-of-line values; then every TileOffsets/TileByteCounts array in IFD
//! order; then tile data from the smallest overview to full resolution, row
//! major (band interleave: every tile of band 1, then of band 2, ... within
//! each level, as libtiff numbers them), each tile as `u32 LE size | payload
//! | last 4 payload bytes`, each mask tile right after its (band 1) image tile. Sparse tiles (size 0) take no bytes
//! and have offset 0.

use crate::create::layout::ifd::CogIfd;
use crate::create::options::BigTiff;
use crate::tiff::Ghost;
use crate::tiff::write::header;
use crate::{Error, Result};

/// Which IFD holds what: `levels` image IFDs, and a mask IFD per level when
/// `with_mask`, in GDAL's file order.
#[derive(Debug, Clone, Copy)]
pub struct IfdOrder {
    pub levels: usize,
    pub with_mask: bool,
}

/// One IFD of the sequence: the image or the mask of a level (0 = full
/// resolution).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IfdSlot {
    Image(usize),
    Mask(usize),
}

impl IfdOrder {
    /// The IFDs in GDAL's file order, the one statement of it: the full
    /// image, its mask, the overviews largest to smallest, then their masks.
    pub fn sequence(&self) -> Vec<IfdSlot> {
        let mut v = vec![IfdSlot::Image(0)];
        if self.with_mask {
            v.push(IfdSlot::Mask(0));
        }
        v.extend((1..self.levels).map(IfdSlot::Image));
        if self.with_mask {
            v.extend((1..self.levels).map(IfdSlot::Mask));
        }
        v
    }
    pub fn count(&self) -> usize {
        if self.with_mask { 2 * self.levels } else { self.levels }
    }
    /// Index in file order of the image IFD of `level`.
    pub fn image(&self, level: usize) -> usize {
        self.position(IfdSlot::Image(level)).expect("a level of the pyramid")
    }
    /// Index in file order of the mask IFD of `level`, if masks are written.
    pub fn mask(&self, level: usize) -> Option<usize> {
        self.position(IfdSlot::Mask(level))
    }
    fn position(&self, slot: IfdSlot) -> Option<usize> {
        self.sequence().iter().position(|&s| s == slot)
    }
}

/// Where everything goes.
#[derive(Debug, Clone)]
pub struct Layout {
    /// Header, ghost, IFDs and strile arrays: everything before tile data.
    pub head: Vec<u8>,
    /// Payload offset of every tile, per IFD in file order (0 when sparse);
    /// already written into `head`, kept for the tests that check it.
    #[cfg_attr(not(test), allow(dead_code))]
    pub tile_offsets: Vec<Vec<u64>>,
    /// Tile-copy order: (ifd index, tile index) of each non-empty tile.
    pub copy_order: Vec<(usize, usize)>,
    /// Total file length.
    pub total_len: u64,
}

/// Bytes a tile occupies with its leader and trailer (0 for a sparse tile).
pub fn tile_footprint(len: u64) -> u64 {
    if len == 0 { 0 } else { len + 8 }
}

/// The leader and trailer of a tile payload, as GDAL writes them.
pub fn leader(payload: &[u8]) -> [u8; 4] {
    (payload.len() as u32).to_le_bytes()
}
pub fn trailer(payload: &[u8]) -> [u8; 4] {
    let mut t = [0u8; 4];
    if payload.len() >= 4 {
        t.copy_from_slice(&payload[payload.len() - 4..]);
    } else {
        t[..payload.len()].copy_from_slice(payload);
    }
    t
}

fn even(x: u64) -> u64 {
    x.next_multiple_of(2)
}

/// Lay out the file. `counts[i]` are the payload sizes of IFD i's tiles.
pub fn plan(ifds: &[CogIfd], counts: &[Vec<u64>], order: IfdOrder, bigtiff: bool) -> Layout {
    assert_eq!(ifds.len(), order.count());
    let ghost = Ghost::gdal_bytes(order.with_mask);
    let header_len: u64 = if bigtiff { 16 } else { 8 };
    let first_ifd = even(header_len + ghost.len() as u64);
    // IFD offsets.
    let mut ifd_at = Vec::with_capacity(ifds.len());
    let mut pos = first_ifd;
    for ifd in ifds {
        pos = even(pos);
        ifd_at.push(pos);
        pos += ifd.size(bigtiff);
    }
    // Strile arrays.
    let mut arrays_at = Vec::with_capacity(ifds.len());
    for (ifd, c) in ifds.iter().zip(counts) {
        let (ob, cb) = (ifd.offsets_bytes(bigtiff), ifd.counts_bytes(bigtiff, c));
        let mut at = (0, 0);
        if !CogIfd::fits_inline(bigtiff, ob) {
            pos = even(pos);
            at.0 = pos;
            pos += ob;
        }
        if !CogIfd::fits_inline(bigtiff, cb) {
            pos = even(pos);
            at.1 = pos;
            pos += cb;
        }
        arrays_at.push(at);
    }
    // Tile data: smallest overview first, each mask tile after its image tile.
    let mut tile_offsets: Vec<Vec<u64>> = ifds.iter().map(|i| vec![0u64; i.tiles as usize]).collect();
    let mut copy_order = Vec::new();
    for level in (0..order.levels).rev() {
        let img = order.image(level);
        let msk = order.mask(level);
        // With band interleave the image IFD holds every tile of band 1,
        // then of band 2, ...; mask tile t follows band 1's tile t (where
        // GDAL's validator looks for it).
        for t in 0..ifds[img].tiles as usize {
            let msk = msk.filter(|&m| (t as u64) < ifds[m].tiles);
            for i in std::iter::once(img).chain(msk) {
                let len = counts[i][t];
                if len > 0 {
                    tile_offsets[i][t] = pos + 4;
                    pos += tile_footprint(len);
                    copy_order.push((i, t));
                }
            }
        }
    }
    let total_len = pos;
    // Encode the head.
    let mut head = header(bigtiff, first_ifd);
    head.extend_from_slice(&ghost);
    for (i, ifd) in ifds.iter().enumerate() {
        head.resize(ifd_at[i] as usize, 0);
        let next = ifd_at.get(i + 1).copied().unwrap_or(0);
        head.extend_from_slice(&ifd.encode(ifd_at[i], next, bigtiff, arrays_at[i], &tile_offsets[i], &counts[i]));
    }
    for (i, ifd) in ifds.iter().enumerate() {
        if arrays_at[i].0 != 0 {
            head.resize(arrays_at[i].0 as usize, 0);
            for &o in &tile_offsets[i] {
                if bigtiff {
                    head.extend_from_slice(&o.to_le_bytes());
                } else {
                    head.extend_from_slice(&(o as u32).to_le_bytes());
                }
            }
        }
        if arrays_at[i].1 != 0 {
            head.resize(arrays_at[i].1 as usize, 0);
            let long = ifd.counts_as_long(bigtiff, &counts[i]);
            for &c in &counts[i] {
                if long {
                    head.extend_from_slice(&(c as u32).to_le_bytes());
                } else {
                    head.extend_from_slice(&c.to_le_bytes());
                }
            }
        }
    }
    Layout { head, tile_offsets, copy_order, total_len }
}

/// Classic TIFF can address up to 4 GiB; leave no doubt.
const CLASSIC_LIMIT: u64 = u32::MAX as u64;

/// Decide BigTIFF before writing. The exact need is known (all compressed
/// sizes are), `worst_case` is the uncompressed size of every tile of every
/// IFD: `if-safer` also switches when that could pass 4 GiB, so that files
/// of the same kind of input get the same format whatever the content.
pub fn choose_bigtiff(
    choice: BigTiff,
    ifds: &[CogIfd],
    counts: &[Vec<u64>],
    order: IfdOrder,
    worst_case: u64,
) -> Result<bool> {
    let classic_len = plan_len(ifds, counts, order, false);
    let needed = classic_len > CLASSIC_LIMIT;
    match choice {
        BigTiff::Yes => Ok(true),
        BigTiff::No if needed => Err(Error::usage(format!(
            "the COG needs {} bytes, more than classic TIFF's 4 GiB; use --bigtiff yes or if-needed",
            classic_len
        ))),
        BigTiff::No => Ok(false),
        BigTiff::IfNeeded => Ok(needed),
        BigTiff::IfSafer => Ok(needed || worst_case > CLASSIC_LIMIT),
    }
}

/// Total length of a layout, without encoding it.
fn plan_len(ifds: &[CogIfd], counts: &[Vec<u64>], order: IfdOrder, bigtiff: bool) -> u64 {
    let ghost = Ghost::gdal_bytes(order.with_mask).len() as u64;
    let mut pos = even((if bigtiff { 16 } else { 8 }) + ghost);
    for ifd in ifds {
        pos = even(pos) + ifd.size(bigtiff);
    }
    for (ifd, c) in ifds.iter().zip(counts) {
        for b in [ifd.offsets_bytes(bigtiff), ifd.counts_bytes(bigtiff, c)] {
            if !CogIfd::fits_inline(bigtiff, b) {
                pos = even(pos) + b;
            }
        }
    }
    pos + counts.iter().flatten().map(|&c| tile_footprint(c)).sum::<u64>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tiff::write::OutTag;

    fn ifd(w: u16, tiles: u64) -> CogIfd {
        let mut i = CogIfd { tags: vec![], tiles };
        i.push(OutTag::short(256, w));
        i.push(OutTag::shorts(258, &[8, 8, 8]));
        i
    }

    #[test]
    fn order_indices() {
        let o = IfdOrder { levels: 3, with_mask: true };
        assert_eq!((o.image(0), o.mask(0)), (0, Some(1)));
        assert_eq!((o.image(1), o.mask(1)), (2, Some(4)));
        assert_eq!((o.image(2), o.mask(2)), (3, Some(5)));
        let o = IfdOrder { levels: 3, with_mask: false };
        assert_eq!((o.image(2), o.mask(2)), (2, None));
    }

    #[test]
    fn layout_is_gdal_order() {
        let ifds = vec![ifd(1000, 4), ifd(500, 1)];
        let counts = vec![vec![10, 2, 0, 7], vec![5]];
        let order = IfdOrder { levels: 2, with_mask: false };
        let l = plan(&ifds, &counts, order, false);
        // First IFD right after the ghost area, on an even offset.
        assert_eq!(&l.head[4..8], &192u32.to_le_bytes());
        // The overview's tile comes first, then the full-resolution ones in order.
        assert_eq!(l.copy_order, vec![(1, 0), (0, 0), (0, 1), (0, 3)]);
        let first = l.head.len() as u64 + 4;
        assert_eq!(l.tile_offsets[1][0], first);
        assert_eq!(l.tile_offsets[0][0], first + 5 + 8);
        assert_eq!(l.tile_offsets[0][1], first + 5 + 8 + 10 + 8);
        assert_eq!(l.tile_offsets[0][2], 0);
        assert_eq!(l.total_len, l.head.len() as u64 + (5 + 10 + 2 + 7) + 4 * 8);
        assert_eq!(l.total_len, plan_len(&ifds, &counts, order, false));
        let big = plan(&ifds, &counts, order, true);
        assert_eq!(&big.head[8..16], &200u64.to_le_bytes());
        assert_eq!(big.total_len, plan_len(&ifds, &counts, order, true));
    }

    #[test]
    fn leader_and_trailer() {
        assert_eq!(leader(&[1, 2, 3, 4, 5]), 5u32.to_le_bytes());
        assert_eq!(trailer(&[1, 2, 3, 4, 5]), [2, 3, 4, 5]);
        assert_eq!(trailer(&[9, 8]), [9, 8, 0, 0]);
    }

    #[test]
    fn bigtiff_choice() {
        let ifds = vec![ifd(10, 1)];
        let counts = vec![vec![100]];
        let o = IfdOrder { levels: 1, with_mask: false };
        assert!(!choose_bigtiff(BigTiff::IfSafer, &ifds, &counts, o, 1000).unwrap());
        assert!(choose_bigtiff(BigTiff::IfSafer, &ifds, &counts, o, 5 << 30).unwrap());
        assert!(!choose_bigtiff(BigTiff::IfNeeded, &ifds, &counts, o, 5 << 30).unwrap());
        assert!(choose_bigtiff(BigTiff::Yes, &ifds, &counts, o, 0).unwrap());
        let huge = vec![vec![5u64 << 30]];
        assert!(choose_bigtiff(BigTiff::No, &ifds, &huge, o, 0).is_err());
        assert!(choose_bigtiff(BigTiff::IfNeeded, &ifds, &huge, o, 0).unwrap());
    }
}
