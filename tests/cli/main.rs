//! The command line as a whole: generated assets, hostile invocations, and the GDAL-only options in the default build.
//!
//! One test binary for the area (each binary links the whole crate);
//! `cargo test --test cli NAME` runs one module or test.

#[path = "../common/mod.rs"]
mod common;
#[path = "../mutate/mod.rs"]
mod mutate;

mod assets;
mod gdal_gate;
mod hostile_cli;
