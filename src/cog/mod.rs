//! COG rules: validation, layout planning and the writer pipeline.
pub mod resample;
pub mod validate;

pub mod dump;
pub mod jpeg_tables;
pub mod tile_ranges;
pub mod tiles;
