//! Input adapters: everything `create` learns from its source, and the rows
//! of pixels it reads from it.
//!
//! * [`info`]: what is kept from a TIFF input (size, bands, georeferencing,
//!   palette, nodata, masks, metadata);
//! * `overview_file`: GDAL's external overviews (`INPUT.ovr`);
//! * [`rows`]: the row-source trait the pipeline reads through, and
//!   [`remote`]: prefetching rows of a remote input in large ranges;
//! * [`sidecar`]: the files GDAL reads beside an input (PAM, RPC, `.msk`,
//!   world file);
//! * [`gdal_gate`]: whether GDAL is needed (non-TIFF inputs, tile matrix
//!   sets) and the refusal without the `gdal` feature; [`tms`]: the pure
//!   tile-matrix maths; `gdal` and `warp` (feature `gdal`): GDAL datasets
//!   and GDAL's warper as row sources.

#[cfg(feature = "gdal")]
pub(crate) mod gdal;
pub mod gdal_gate;
pub(crate) mod info;
pub(crate) mod overview_file;
pub(crate) mod remote;
pub(crate) mod rows;
pub(crate) mod sidecar;
// Without the `gdal` feature only the unit tests use the tile-matrix maths
// (the warper is what applies it).
#[cfg_attr(not(feature = "gdal"), allow(dead_code))]
pub mod tms;
#[cfg(feature = "gdal")]
pub(crate) mod warp;
