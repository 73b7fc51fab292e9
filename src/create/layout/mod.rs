//! GDAL's byte layout of a COG: [`ifd`] holds one IFD's tags as they will
//! be written, [`plan`] orders the IFDs, the ghost area and the tile data
//! (the IFD sequence is decided there, once) and sizes every offset.

pub(crate) mod ifd;
pub(crate) mod plan;
