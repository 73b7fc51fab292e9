//! The optional `gdal` feature: non-TIFF inputs and tile matrix sets through GDAL (empty without the feature).
//!
//! One test binary for the area (each binary links the whole crate);
//! `cargo test --test gdal NAME` runs one module or test.

#[path = "../common/mod.rs"]
mod common;

mod gdal_input;
mod gdal_tms;
