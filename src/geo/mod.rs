//! Georeferencing, in one place: the GeoKeyDirectory decoded ([`keys`]),
//! the geotransform read from and written to GeoTIFF tags ([`transform`]),
//! and the GeoKeys GDAL writes for a CRS given as WKT ([`srs_keys`]). It
//! sits on the TIFF structure and serves both sides: `info` describes with
//! it, `create` georeferences from sidecars (PAM, world files) with it.

pub(crate) mod keys;
pub(crate) mod srs_keys;
pub(crate) mod transform;
