//! cogtool: Cloud Optimized GeoTIFF tooling.
//!
//! * [`source`] reads byte ranges from a file, HTTP(S) or S3 and counts
//!   what it fetched.
//! * [`tiff`] parses and writes the TIFF structure (header, IFDs, tags,
//!   GeoKeys, GDAL's ghost area) without ever decoding pixels.
//! * [`geo`] georeferencing: GeoKeys, the geotransform, keys for a WKT CRS.
//! * [`codec`] holds compression and predictors, [`raster`] decoded rows.
//! * [`read`] is the read side (`info`, `validate`, `dump`); [`create`] the
//!   write side, entered through [`create::run::create`].
//!
//! The command line (`src/cli.rs`, `src/cmd/`) belongs to the binary
//! (`src/main.rs`): the library knows nothing of clap, of printing or of
//! exit codes, and takes cancellation as a value ([`Cancel`]).

// Every dependency is used by the library itself (unit tests see the
// dev-dependencies too, hence only outside tests).
#![cfg_attr(not(test), warn(unused_crate_dependencies))]
// Stdout belongs to the binary (a COG or a report may be going there).
#![deny(clippy::print_stdout)]
// The binary's own dependencies (command line, man pages, progress bar) are
// declared in the same package; the library names them only to keep the
// lint above meaningful for its own.
use clap as _;
use clap_complete as _;
use clap_mangen as _;
use indicatif as _;

pub mod cancel;
pub mod codec;
pub mod create;
pub mod error;
pub mod geo;
pub mod raster;
pub mod read;
pub mod source;
pub mod tiff;

pub use cancel::Cancel;
pub use error::{Error, ErrorKind, Result};
