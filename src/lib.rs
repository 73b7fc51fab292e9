//! cogtool: Cloud Optimized GeoTIFF tooling.
//!
//! * [`source`] reads byte ranges from a file, HTTP(S) or S3 and counts
//!   what it fetched.
//! * [`tiff`] parses and writes the TIFF structure (header, IFDs, tags,
//!   GeoKeys, GDAL's ghost area) without ever decoding pixels.
//! * [`codec`] holds compression and predictors, [`raster`] decoded rows.
//! * [`read`] is the read side (`info`, `validate`, `dump`); [`create`] the
//!   write side, entered through [`create::run::create`].
//! * [`cli`] defines the command line, [`cmd`] one thin file per subcommand.

// Every dependency is used by the library itself (unit tests see the
// dev-dependencies too, hence only outside tests).
#![cfg_attr(not(test), warn(unused_crate_dependencies))]

pub mod cli;
pub mod cmd;
pub mod codec;
pub mod create;
pub mod error;
pub mod raster;
pub mod read;
pub mod source;
pub mod tiff;

pub use error::{Error, ErrorKind, Result};
