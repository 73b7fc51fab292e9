//! Decoded pixels of one image (IFD) of a parsed TIFF, whatever its block
//! layout: strips or tiles, pixel or band interleaved, either byte order,
//! any codec [`crate::codec`] knows. Output is always full-width rows,
//! pixel-interleaved, little-endian samples.

pub(crate) mod convert;
mod reader;

pub use reader::RasterReader;
