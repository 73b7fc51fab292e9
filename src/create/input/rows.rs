//! The seam between `create`'s pipeline and where its pixels come from: the
//! native TIFF reader, or (with the `gdal` feature) any raster GDAL opens.

use crate::Result;
use crate::raster::RasterReader;
use crate::tiff::{Image, Tiff};

/// Where the pipeline reads its pixels: the input's full-resolution rows,
/// its mask's rows, and the rows of its own overview levels (for output
/// levels copied from them, indexed as `InputInfo::overviews`).
#[derive(Clone, Copy)]
pub struct Sources<'a> {
    pub image: &'a dyn RowSource,
    pub mask: Option<&'a dyn RowSource>,
    pub overviews: &'a [LevelRows<'a>],
    /// The same levels as stored (full resolution first, then each of
    /// `overviews`), whose compressed tiles may be copied as they are
    /// (`pipeline::repack`); empty when the input is no TIFF of ours to read.
    pub stored: &'a [StoredLevel<'a>],
}

/// One level of a TIFF input as stored: its image IFD and its mask's.
#[derive(Clone, Copy)]
pub struct StoredLevel<'a> {
    pub tiff: &'a Tiff,
    pub image: &'a Image,
    pub mask: Option<&'a Image>,
}

/// The rows of one of the input's own overview levels, and of its mask.
pub struct LevelRows<'a> {
    pub image: &'a dyn RowSource,
    pub mask: Option<&'a dyn RowSource>,
}

/// Decoded full-width rows of one image.
pub trait RowSource: Sync {
    /// Bytes per sample (complex types count both parts).
    fn sample_bytes(&self) -> usize;
    /// Rows [y0, y1), all bands pixel-interleaved, little-endian samples.
    fn read_rows(&self, y0: u64, y1: u64) -> Result<Vec<u8>>;
    /// [`read_rows`](Self::read_rows) into a buffer reused band after band.
    fn read_rows_into(&self, y0: u64, y1: u64, out: &mut Vec<u8>) -> Result<()> {
        *out = self.read_rows(y0, y1)?;
        Ok(())
    }
    /// [`read_rows`](Self::read_rows) into `out`, exactly the rows' size.
    fn read_rows_to(&self, y0: u64, y1: u64, out: &mut [u8]) -> Result<()> {
        let rows = self.read_rows(y0, y1)?;
        if rows.len() != out.len() {
            return Err(crate::Error::usage(format!(
                "rows {}..{} are {} bytes, not {}",
                y0,
                y1,
                rows.len(),
                out.len()
            )));
        }
        out.copy_from_slice(&rows);
        Ok(())
    }
    /// How many rows to read at a time when the output has `out_block`-row
    /// tiles: a whole tile row unless the source can do with less.
    fn band_rows(&self, out_block: u64) -> u64 {
        out_block
    }
}

impl RowSource for RasterReader<'_> {
    fn sample_bytes(&self) -> usize {
        RasterReader::sample_bytes(self)
    }
    fn read_rows(&self, y0: u64, y1: u64) -> Result<Vec<u8>> {
        RasterReader::read_rows(self, y0, y1)
    }
    fn read_rows_into(&self, y0: u64, y1: u64, out: &mut Vec<u8>) -> Result<()> {
        RasterReader::read_rows_into(self, y0, y1, out)
    }
    fn read_rows_to(&self, y0: u64, y1: u64, out: &mut [u8]) -> Result<()> {
        RasterReader::read_rows_to(self, y0, y1, out)
    }
    /// Half a tile row when the input's blocks allow (whole blocks only, so
    /// none is decoded twice): the band read, its decoded blocks and its
    /// samples are then half as large, and memory with them.
    fn band_rows(&self, out_block: u64) -> u64 {
        let bh = self.rows_per_block().max(1);
        let half = out_block / 2;
        if bh <= half { half / bh * bh } else { out_block }
    }
}
