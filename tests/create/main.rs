//! `cogtool create`: outputs against GDAL, byte for byte and level by level, the resampling rules, and hostile inputs.
//!
//! One test binary for the area (each binary links the whole crate);
//! `cargo test --test create NAME` runs one module or test.

#[path = "../common/mod.rs"]
mod common;
#[path = "../create_support/mod.rs"]
mod create_support;

mod create;
mod create_alpha;
mod create_batch;
mod create_bytes;
mod create_codecs;
mod create_corpus;
mod create_gdal;
mod create_matrix;
mod create_overviews;
mod create_parts;
mod create_realworld;
mod create_repack;
mod create_stats;
mod hostile_create;
mod resample_gdal;
mod resample_rules;
