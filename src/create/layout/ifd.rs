//! Encoding one COG IFD the way libtiff does inside GDAL's COG writer:
//! entries sorted by tag, out-of-line values right after the IFD in the
//! order the tags were *set* (not tag order: GDAL's files put GDAL_METADATA
//! before ModelPixelScale), each value starting on an even offset, and the
//! TileOffsets/TileByteCounts values left out: they live in the shared
//! arrays area after all IFDs (see `layout::plan`).

use crate::tiff::tags::{TILE_BYTE_COUNTS, TILE_OFFSETS};
use crate::tiff::write::OutTag;

/// An IFD's tags in GDAL's value order, without the two strile arrays.
#[derive(Debug, Clone, Default)]
pub struct CogIfd {
    pub tags: Vec<OutTag>,
    /// Number of tiles (entries in each strile array).
    pub tiles: u64,
}

impl CogIfd {
    /// Add a tag (a later push of the same tag replaces the earlier one in place).
    pub fn push(&mut self, t: OutTag) {
        if let Some(old) = self.tags.iter_mut().find(|x| x.tag == t.tag) {
            *old = t;
        } else {
            self.tags.push(t);
        }
    }

    fn inline_cap(bigtiff: bool) -> u64 {
        if bigtiff { 8 } else { 4 }
    }
    fn entry_count(&self) -> u64 {
        self.tags.len() as u64 + 2
    }
    /// Bytes of the TileOffsets array (LONG classic, LONG8 BigTIFF).
    pub fn offsets_bytes(&self, bigtiff: bool) -> u64 {
        self.tiles * if bigtiff { 8 } else { 4 }
    }
    /// Whether TileByteCounts is written as LONG. libtiff (through GDAL's
    /// deferred strile writing) narrows BigTIFF byte counts to LONG when
    /// there is more than one and all fit in 32 bits; a single one stays LONG8.
    pub fn counts_as_long(&self, bigtiff: bool, counts: &[u64]) -> bool {
        !bigtiff || (self.tiles > 1 && counts.iter().all(|&c| c <= u32::MAX as u64))
    }
    /// Bytes of the TileByteCounts array.
    pub fn counts_bytes(&self, bigtiff: bool, counts: &[u64]) -> u64 {
        self.tiles * if self.counts_as_long(bigtiff, counts) { 4 } else { 8 }
    }
    /// Whether an array of `bytes` fits inside its entry.
    pub fn fits_inline(bigtiff: bool, bytes: u64) -> bool {
        bytes <= Self::inline_cap(bigtiff)
    }
    /// IFD plus its out-of-line values (not the strile arrays), in bytes.
    pub fn size(&self, bigtiff: bool) -> u64 {
        let dir = if bigtiff { 8 + 20 * self.entry_count() + 8 } else { 2 + 12 * self.entry_count() + 4 };
        let cap = Self::inline_cap(bigtiff);
        dir + self
            .tags
            .iter()
            .filter(|t| t.bytes.len() as u64 > cap)
            .map(|t| (t.bytes.len() as u64).next_multiple_of(2))
            .sum::<u64>()
    }

    /// Encode at `offset`. `arrays_at` gives where the offsets and byte-count
    /// arrays are (each ignored when it fits inline), then their contents.
    pub fn encode(
        &self,
        offset: u64,
        next: u64,
        bigtiff: bool,
        arrays_at: (u64, u64),
        offsets: &[u64],
        counts: &[u64],
    ) -> Vec<u8> {
        let cap = Self::inline_cap(bigtiff) as usize;
        let dir_len = if bigtiff { 8 + 20 * self.entry_count() + 8 } else { 2 + 12 * self.entry_count() + 4 };
        // Out-of-line values in push order.
        let mut value_at = std::collections::HashMap::new();
        let mut values = Vec::new();
        for t in &self.tags {
            if t.bytes.len() > cap {
                value_at.insert(t.tag, offset + dir_len + values.len() as u64);
                values.extend_from_slice(&t.bytes);
                if values.len() % 2 == 1 {
                    values.push(0);
                }
            }
        }
        let off_tag = OutTag::offsets(TILE_OFFSETS, offsets, bigtiff);
        let cnt_tag = OutTag::offsets(TILE_BYTE_COUNTS, counts, !self.counts_as_long(bigtiff, counts));
        if !Self::fits_inline(bigtiff, self.offsets_bytes(bigtiff)) {
            value_at.insert(TILE_OFFSETS, arrays_at.0);
        }
        if !Self::fits_inline(bigtiff, self.counts_bytes(bigtiff, counts)) {
            value_at.insert(TILE_BYTE_COUNTS, arrays_at.1);
        }
        let mut all: Vec<&OutTag> = self.tags.iter().chain([&off_tag, &cnt_tag]).collect();
        all.sort_by_key(|t| t.tag);
        let mut out = Vec::with_capacity(dir_len as usize + values.len());
        if bigtiff {
            out.extend_from_slice(&(all.len() as u64).to_le_bytes());
        } else {
            out.extend_from_slice(&(all.len() as u16).to_le_bytes());
        }
        for t in all {
            out.extend_from_slice(&t.tag.to_le_bytes());
            out.extend_from_slice(&(t.field_type as u16).to_le_bytes());
            if bigtiff {
                out.extend_from_slice(&t.count.to_le_bytes());
            } else {
                out.extend_from_slice(&(t.count as u32).to_le_bytes());
            }
            let mut field = vec![0u8; cap];
            match value_at.get(&t.tag) {
                Some(&at) => {
                    if bigtiff {
                        field.copy_from_slice(&at.to_le_bytes());
                    } else {
                        field.copy_from_slice(&(at as u32).to_le_bytes());
                    }
                }
                None => field[..t.bytes.len()].copy_from_slice(&t.bytes),
            }
            out.extend_from_slice(&field);
        }
        if bigtiff {
            out.extend_from_slice(&next.to_le_bytes());
        } else {
            out.extend_from_slice(&(next as u32).to_le_bytes());
        }
        out.extend_from_slice(&values);
        debug_assert_eq!(out.len() as u64, self.size(bigtiff));
        out
    }
}
