//! Finding a tile by level, column and row, and reading its stored bytes.
//!
//! Levels count imagery IFDs the way cogdumper does: `z = 0` is the full
//! resolution image, `z = 1` the largest overview, and so on. Masks are not
//! levels; each level may have a matching mask IFD (same size).
//!
//! Only what a tile needs is read: the two entries of TileOffsets and
//! TileByteCounts (by range when the arrays were left lazy), then the tile.
//! When GDAL's ghost area declares the block leader and trailer, the tile is
//! read as `[offset-4, offset+bytes+4)` in the same single request, and the
//! leader (payload size) and trailer (last 4 bytes repeated) are checked.

use crate::tiff::image::{Image, Kind};
use crate::tiff::tags::JPEG_TABLES;
use crate::tiff::{Tiff, Value};
use crate::{Error, Result};

use super::tile_ranges::ByteRange;

/// Which tile: level, column, row, and for planar=separate files the band
/// plane (0-based; always 0 for pixel-interleaved files).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId {
    pub z: usize,
    pub x: u64,
    pub y: u64,
}

impl std::fmt::Display for TileId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Column, row, level: the order of --xyz and of --tiles lines.
        write!(f, "x={} y={} z={}", self.x, self.y, self.z)
    }
}

/// A located tile: where its bytes are, and in which IFD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tile {
    pub id: TileId,
    pub mask: bool,
    /// Index of the IFD (into `tiff.ifds` and `Pyramid::images`).
    pub ifd: usize,
    /// Index into TileOffsets/TileByteCounts.
    pub index: u64,
    pub offset: u64,
    pub bytes: u64,
}

impl Tile {
    /// GDAL writes empty tiles with offset 0 and byte count 0 (SPARSE_OK);
    /// either being 0 means there is nothing to read.
    pub fn sparse(&self) -> bool {
        self.offset == 0 || self.bytes == 0
    }
}

/// What the leader/trailer check found (only when the ghost declares them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeaderCheck {
    /// Whether a leader was read and compared.
    pub leader_checked: bool,
    pub trailer_checked: bool,
    /// One line per mismatch, for `-v`/warnings.
    pub problems: Vec<String>,
}

/// The imagery levels of a TIFF and their masks.
pub struct Pyramid<'a> {
    pub tiff: &'a Tiff,
    pub images: Vec<Image>,
    /// Image indices, z order: full resolution, then overviews largest first.
    levels: Vec<usize>,
    /// For each level, the index of its mask image, if any.
    masks: Vec<Option<usize>>,
    /// Ghost area declares a 4-byte size leader before each tile.
    leader: bool,
    /// Ghost area declares the last 4 bytes repeated after each tile.
    trailer: bool,
}

impl<'a> Pyramid<'a> {
    pub fn new(tiff: &'a Tiff) -> Result<Pyramid<'a>> {
        let images = Image::all(tiff)?;
        // Level 0 is the full-resolution image; in a file made only of
        // reduced-resolution IFDs (an external .ovr opened directly) it is the
        // first non-mask IFD, as GDAL takes it.
        let first = images
            .iter()
            .find(|i| i.kind == Kind::Image)
            .or_else(|| images.iter().find(|i| !matches!(i.kind, Kind::Mask | Kind::OverviewMask)))
            .ok_or_else(|| Error::format("no image IFD (every IFD is a mask)"))?;
        let mut levels = vec![first.index];
        let mut overviews: Vec<&Image> =
            images.iter().filter(|i| i.kind == Kind::Overview && i.index != first.index).collect();
        // File order is size order in a COG; sorting (stable) keeps "z = 1 is
        // the largest overview" true for files whose overviews were appended
        // out of order.
        overviews.sort_by_key(|i| std::cmp::Reverse((i.width, i.height)));
        levels.extend(overviews.iter().map(|i| i.index));
        let mut used = vec![false; images.len()];
        let masks = levels
            .iter()
            .enumerate()
            .map(|(z, &li)| {
                let want = if z == 0 { Kind::Mask } else { Kind::OverviewMask };
                let lvl = &images[li];
                let found = images
                    .iter()
                    .find(|m| m.kind == want && !used[m.index] && m.width == lvl.width && m.height == lvl.height)
                    .map(|m| m.index);
                if let Some(i) = found {
                    used[i] = true;
                }
                found
            })
            .collect();
        let (leader, trailer) = match &tiff.ghost {
            // After an in-place edit GDAL sets KNOWN_INCOMPATIBLE_EDITION=YES:
            // leaders and trailers can no longer be trusted.
            Some(g) if !g.flag("KNOWN_INCOMPATIBLE_EDITION", "YES") => (g.block_leader(), g.block_trailer()),
            _ => (false, false),
        };
        Ok(Pyramid { tiff, images, levels, masks, leader, trailer })
    }

    /// Number of levels (1 + overviews).
    pub fn levels(&self) -> usize {
        self.levels.len()
    }

    /// The image of level `z`.
    pub fn level(&self, z: usize) -> Result<&Image> {
        let i = *self.levels.get(z).ok_or_else(|| {
            Error::no_such_tile(format!(
                "level {} does not exist: the file has {} level{} (0 = full resolution{})",
                z,
                self.levels.len(),
                if self.levels.len() == 1 { "" } else { "s" },
                if self.levels.len() > 1 { format!(", 1..{} overviews", self.levels.len() - 1) } else { String::new() }
            ))
        })?;
        Ok(&self.images[i])
    }

    /// The mask image of level `z`, if there is one.
    pub fn mask(&self, z: usize) -> Option<&Image> {
        self.masks.get(z).copied().flatten().map(|i| &self.images[i])
    }

    /// The image that holds tile `id` (the level itself, or its mask), after
    /// checking it is tiled.
    pub fn image_for(&self, z: usize, mask: bool) -> Result<&Image> {
        let lvl = self.level(z)?;
        let img = if mask {
            self.mask(z).ok_or_else(|| {
                Error::no_such_tile(format!("level {} has no mask (the file has {} mask IFDs)", z, self.mask_count()))
            })?
        } else {
            lvl
        };
        if !img.tiled {
            let strips = img.blocks;
            return Err(Error::no_such_tile(format!(
                "the file has strips, not tiles: {}x{} pixels in {} strip{} of {} rows; dump reads tiled TIFFs \
                 (convert with `cogtool create` or `gdal_translate -co TILED=YES`)",
                img.width,
                img.height,
                strips,
                if strips == 1 { "" } else { "s" },
                img.block_height
            )));
        }
        Ok(img)
    }

    fn mask_count(&self) -> usize {
        self.images.iter().filter(|i| matches!(i.kind, Kind::Mask | Kind::OverviewMask)).count()
    }

    /// Block index of tile `id` in `img` for band plane `plane` (0-based),
    /// or a "no such tile" error naming the grid.
    pub fn block_index(&self, img: &Image, id: TileId, plane: u64) -> Result<u64> {
        if id.x >= img.blocks_across || id.y >= img.blocks_down {
            return Err(Error::no_such_tile(format!(
                "tile {} is outside the grid: level {} is {}x{} pixels in {} x {} tiles of {}x{} \
                 (x 0..{}, y 0..{})",
                id,
                id.z,
                img.width,
                img.height,
                img.blocks_across,
                img.blocks_down,
                img.block_width,
                img.block_height,
                img.blocks_across - 1,
                img.blocks_down - 1
            )));
        }
        let planes = if img.planar_separate { img.samples } else { 1 };
        if plane >= planes {
            return Err(Error::no_such_tile(if planes == 1 && img.samples > 1 {
                format!(
                    "band {} has no tiles of its own: the file is pixel-interleaved (each tile holds all {} bands)",
                    plane + 1,
                    img.samples
                )
            } else {
                format!(
                    "band {} does not exist: the image has {} band{}",
                    plane + 1,
                    img.samples,
                    if img.samples == 1 { "" } else { "s" }
                )
            }));
        }
        // Row-major: y * tiles_across + x (cogdumper used tiles_down here).
        Ok(plane * img.blocks_across * img.blocks_down + id.y * img.blocks_across + id.x)
    }

    /// Locate one tile: reads just its two strile entries.
    pub fn locate(&self, id: TileId, mask: bool, plane: u64) -> Result<Tile> {
        let img = self.image_for(id.z, mask)?;
        let index = self.block_index(img, id, plane)?;
        let (offset, bytes) = img.block(self.tiff, index)?;
        Ok(Tile { id, mask, ifd: img.index, index, offset, bytes })
    }

    /// Locate many tiles, reading the strile arrays by runs of nearby
    /// indices rather than entry by entry (bulk dumps of big COGs).
    /// Each request gets its own result: a tile outside the grid does not
    /// stop the others.
    pub fn locate_many(&self, ids: &[TileId], mask: bool, plane: u64) -> Vec<Result<Tile>> {
        let mut out: Vec<Option<Result<Tile>>> = vec![None; ids.len()];
        // (ifd, block index, request position) for requests that are valid.
        let mut wanted: Vec<(usize, u64, usize)> = Vec::new();
        for (pos, &id) in ids.iter().enumerate() {
            match self.image_for(id.z, mask).and_then(|img| Ok((img.index, self.block_index(img, id, plane)?))) {
                Ok((ifd, index)) => wanted.push((ifd, index, pos)),
                Err(e) => out[pos] = Some(Err(e)),
            }
        }
        wanted.sort_unstable();
        // Runs of indices in one IFD no more than RUN_GAP apart share a read.
        const RUN_GAP: u64 = 1024;
        let mut start = 0;
        while start < wanted.len() {
            let ifd = wanted[start].0;
            let mut end = start + 1;
            while end < wanted.len() && wanted[end].0 == ifd && wanted[end].1 - wanted[end - 1].1 <= RUN_GAP {
                end += 1;
            }
            let first = wanted[start].1;
            let n = wanted[end - 1].1 - first + 1;
            let entries = self.block_run(ifd, first, n);
            for &(_, index, pos) in &wanted[start..end] {
                out[pos] = Some(entries.as_ref().map_err(Clone::clone).map(|(offs, cnts)| {
                    let k = (index - first) as usize;
                    Tile { id: ids[pos], mask, ifd, index, offset: offs[k], bytes: cnts[k] }
                }));
            }
            start = end;
        }
        out.into_iter().map(|r| r.expect("every request resolved")).collect()
    }

    /// Offsets and byte counts of blocks `[first, first+n)` of one IFD.
    fn block_run(&self, ifd: usize, first: u64, n: u64) -> Result<(Vec<u64>, Vec<u64>)> {
        let img = &self.images[ifd];
        let oe = img.offsets_entry(&self.tiff.ifds[ifd])?;
        let ce = img.counts_entry(&self.tiff.ifds[ifd])?;
        if first + n > oe.count || first + n > ce.count {
            return Err(Error::format(format!(
                "block {} is missing: IFD at offset {} has {} blocks but {} offsets and {} byte counts",
                first + n - 1,
                img.ifd_offset,
                img.blocks,
                oe.count,
                ce.count
            )));
        }
        Ok((self.tiff.entry_u64_range(oe, first, n)?, self.tiff.entry_u64_range(ce, first, n)?))
    }

    /// The byte range to fetch for a tile: the payload, widened by the
    /// leader and trailer when the ghost area declares them and the file
    /// has room for them. Fails for sparse tiles and tiles past the end.
    pub fn read_range(&self, t: &Tile) -> Result<ByteRange> {
        if t.sparse() {
            return Err(Error::no_such_tile(format!("tile {} is empty (sparse)", t.id)));
        }
        let size = self.tiff.file_size;
        if t.offset.checked_add(t.bytes).is_none_or(|e| e > size) {
            return Err(Error::format(format!(
                "tile {}{} ({} bytes at offset {}) reaches past end of file ({} bytes)",
                t.id,
                if t.mask { " of the mask" } else { "" },
                t.bytes,
                t.offset,
                size
            )));
        }
        let (lead, trail) = self.framing(t);
        Ok(ByteRange { offset: t.offset - lead, len: lead + t.bytes + trail })
    }

    /// Bytes of leader and trailer read around a tile (0 or 4 each).
    fn framing(&self, t: &Tile) -> (u64, u64) {
        let lead = if self.leader && t.offset >= 4 && t.bytes <= u32::MAX as u64 { 4 } else { 0 };
        let trail = if self.trailer && t.offset + t.bytes + 4 <= self.tiff.file_size { 4 } else { 0 };
        (lead, trail)
    }

    /// Cut the payload out of what was read for `read_range(t)`, checking
    /// leader and trailer. Mismatches are reported, not fatal: the payload
    /// is defined by TileByteCounts, the leader only duplicates it.
    pub fn payload<'b>(&self, t: &Tile, buf: &'b [u8]) -> (&'b [u8], LeaderCheck) {
        let (lead, trail) = self.framing(t);
        let (lead, trail) = (lead as usize, trail as usize);
        let payload = &buf[lead..lead + t.bytes as usize];
        let mut check = LeaderCheck::default();
        if lead == 4 {
            check.leader_checked = true;
            let declared = u32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]) as u64;
            if declared != t.bytes {
                check.problems.push(format!(
                    "tile {}: leader says {} bytes but TileByteCounts says {} (file edited after creation?)",
                    t.id, declared, t.bytes
                ));
            }
        }
        if trail == 4 {
            check.trailer_checked = true;
            let got = &buf[lead + t.bytes as usize..lead + t.bytes as usize + 4];
            let mut want = [0u8; 4];
            let n = payload.len().min(4);
            want[..n].copy_from_slice(&payload[payload.len() - n..]);
            if got != want {
                check.problems.push(format!(
                    "tile {}: trailer {:02x?} does not repeat the last 4 bytes {:02x?}",
                    t.id, got, want
                ));
            }
        }
        (payload, check)
    }

    /// Read one tile's stored bytes in a single request.
    pub fn read(&self, t: &Tile) -> Result<(Vec<u8>, LeaderCheck)> {
        let r = self.read_range(t)?;
        let len = usize::try_from(r.len).map_err(|_| Error::limit("tile too large for this platform"))?;
        let buf = self.tiff.reader.read_direct(r.offset, len)?;
        let (payload, check) = self.payload(t, &buf);
        Ok((payload.to_vec(), check))
    }

    /// The JPEGTables of the IFD holding `t`, if it has them.
    pub fn jpeg_tables(&self, t: &Tile) -> Result<Option<Vec<u8>>> {
        let Some(e) = self.tiff.ifds[t.ifd].entry(JPEG_TABLES) else {
            return Ok(None);
        };
        Ok(match self.tiff.entry_value(e)? {
            Value::Bytes(b) => Some(b),
            Value::Unsigned(v) => Some(v.into_iter().map(|b| b as u8).collect()),
            _ => return Err(Error::format("JPEGTables is not a byte array")),
        })
    }

    /// Whether the tile touches the right or bottom edge of its image, where
    /// part of it lies outside the image (GDAL pads those pixels).
    pub fn is_edge(&self, t: &Tile) -> bool {
        let img = &self.images[t.ifd];
        (t.id.x + 1) * img.block_width > img.width || (t.id.y + 1) * img.block_height > img.height
    }
}
