//! cogtool: Cloud Optimized GeoTIFF tooling.
//!
//! * [`source`] reads byte ranges from anywhere (local file now, HTTP/S3 later)
//!   and counts what it fetched.
//! * [`tiff`] parses and writes the TIFF structure (header, IFDs, tags,
//!   GeoKeys, GDAL's ghost area) without ever decoding pixels.
//! * [`codec`] holds compression and predictors, [`cog`] the COG rules:
//!   validation, layout planning and the writer pipeline.
//! * [`cmd`] is one thin file per subcommand.

// Every dependency is used by the library itself (unit tests see the
// dev-dependencies too, hence only outside tests).
#![cfg_attr(not(test), warn(unused_crate_dependencies))]

pub mod cli;
pub mod cmd;
pub mod codec;
pub mod cog;
pub mod error;
#[cfg(feature = "gdal")]
pub mod gdal_input;
#[cfg(feature = "gdal")]
pub mod gdal_warp;
pub mod raster;
pub mod read;
pub mod source;
pub mod tiff;

pub use error::{Error, ErrorKind, Result};
