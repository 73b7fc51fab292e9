//! Codecs and predictors: round trips, GDAL interoperability, the corpus, raster decoding.
//!
//! One test binary for the area (each binary links the whole crate);
//! `cargo test --test codec NAME` runs one module or test.

#[path = "../common/mod.rs"]
mod common;

mod codec_corpus;
mod codec_gdal_interop;
mod codec_raster;
mod codec_roundtrip;
