//! The read side: what `info`, `validate` and `dump` need, over the TIFF
//! structure and byte sources only (nothing here imports the write side).
//!
//! [`describe`] every IFD and tag for `info`; [`validate`] GDAL's COG rules,
//! rio-cogeo's, and ours; [`tiles`] a COG's tile grid per level and
//! [`tile_ranges`] the byte ranges of tiles, merged for bulk reads;
//! [`dump`] raw tiles out, with [`jpeg_tables`] spliced in.

pub mod describe;
pub mod dump;
pub(crate) mod jpeg_tables;
pub(crate) mod tile_ranges;
pub mod tiles;
pub mod validate;
