//! `create` from a remote INPUT: before the pipeline decodes a band of block
//! rows, fetch all of that band's blocks at once ([`Reader::prefetch`]:
//! adjacent blocks merged, `--concurrency` requests in flight), so a tile
//! row costs about one request instead of one request per block, each
//! waiting for the one before. Local inputs go straight through.

use crate::Result;
use crate::create::input::rows::RowSource;
use crate::source::Reader;
use crate::tiff::{Image, Tiff};

/// A [`RowSource`] that prefetches the blocks behind each `read_rows` call.
pub struct Prefetching<'a> {
    inner: &'a dyn RowSource,
    tiff: &'a Tiff,
    image: &'a Image,
    enabled: bool,
}

impl<'a> Prefetching<'a> {
    /// `enabled` false (local input): a plain pass-through.
    pub fn new(tiff: &'a Tiff, image: &'a Image, inner: &'a dyn RowSource, enabled: bool) -> Self {
        Prefetching { inner, tiff, image, enabled }
    }

    /// Byte ranges of every block holding rows [y0, y1), all planes. Blocks
    /// that cannot be located are left out: the reader reports them.
    fn ranges(&self, y0: u64, y1: u64) -> Vec<std::ops::Range<u64>> {
        let img = self.image;
        if y0 >= y1 || img.block_height == 0 || y1 > img.height {
            return Vec::new();
        }
        let (br0, br1) = (y0 / img.block_height, (y1 - 1) / img.block_height);
        let planes = if img.planar_separate { img.samples } else { 1 };
        let per_plane = img.blocks_across * img.blocks_down;
        let mut out = Vec::new();
        for plane in 0..planes {
            for brow in br0..=br1 {
                for col in 0..img.blocks_across {
                    let i = plane * per_plane + brow * img.blocks_across + col;
                    if let Ok((off, len)) = img.block(self.tiff, i)
                        && len > 0
                        && off.checked_add(len).is_some_and(|e| e <= self.tiff.file_size)
                    {
                        out.push(off..off + len);
                    }
                }
            }
        }
        out
    }

    fn reader(&self) -> &Reader {
        &self.tiff.reader
    }
}

impl RowSource for Prefetching<'_> {
    fn sample_bytes(&self) -> usize {
        self.inner.sample_bytes()
    }

    fn read_rows(&self, y0: u64, y1: u64) -> Result<Vec<u8>> {
        if self.enabled {
            self.reader().prefetch(&self.ranges(y0, y1))?;
        }
        self.inner.read_rows(y0, y1)
    }

    fn read_rows_into(&self, y0: u64, y1: u64, out: &mut Vec<u8>) -> Result<()> {
        if self.enabled {
            self.reader().prefetch(&self.ranges(y0, y1))?;
        }
        self.inner.read_rows_into(y0, y1, out)
    }

    fn read_rows_to(&self, y0: u64, y1: u64, out: &mut [u8]) -> Result<()> {
        if self.enabled {
            self.reader().prefetch(&self.ranges(y0, y1))?;
        }
        self.inner.read_rows_to(y0, y1, out)
    }
}
