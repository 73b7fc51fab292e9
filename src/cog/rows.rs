//! The seam between `create`'s pipeline and where its pixels come from: the
//! native TIFF reader, or (with the `gdal` feature) any raster GDAL opens.

use crate::Result;
use crate::raster::RasterReader;

/// Decoded full-width rows of one image.
pub trait RowSource: Sync {
    /// Bytes per sample (complex types count both parts).
    fn sample_bytes(&self) -> usize;
    /// Rows [y0, y1), all bands pixel-interleaved, little-endian samples.
    fn read_rows(&self, y0: u64, y1: u64) -> Result<Vec<u8>>;
}

impl RowSource for RasterReader<'_> {
    fn sample_bytes(&self) -> usize {
        RasterReader::sample_bytes(self)
    }
    fn read_rows(&self, y0: u64, y1: u64) -> Result<Vec<u8>> {
        RasterReader::read_rows(self, y0, y1)
    }
}
