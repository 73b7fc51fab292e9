//! The TIFF structure, ours rather than the `tiff` crate's: that crate
//! decodes pixels but cannot expose offsets, byte counts, the ghost area or
//! write a COG, and COG work is mostly about exactly those.
//!
//! * [`parse`] reads a header and the IFD chain from any [`crate::source::Reader`]
//!   (classic and BigTIFF, both byte orders), values lazily when large.
//! * [`image`] gives an IFD its meaning (size, blocks, kind in a COG).
//! * [`tags`], [`types`]: one table of names, field types and values;
//!   [`codes`]: the typed values of compression, photometric, predictor
//!   and planar configuration.
//! * [`gdal_metadata`], [`ghost`]: GDAL's metadata tags and GDAL's
//!   structural-metadata ghost area (GeoKeys: [`crate::geo`]).
//! * [`write`]: encoding IFDs for the COG writer.

pub(crate) mod codes;
pub mod gdal_metadata;
pub(crate) mod ghost;
pub(crate) mod image;
pub(crate) mod nodata;
pub(crate) mod parse;
pub mod tags;
pub(crate) mod types;
pub mod write;

pub use codes::{Compression, Photometric, PlanarConfig, Predictor};
pub use ghost::Ghost;
pub use image::{Image, Kind, SampleFormat};
pub use parse::{Entry, Ifd, Tiff};
pub use types::{ByteOrder, FieldType, Value};
