//! COG rules: validation, layout planning and the writer pipeline.
//!
//! `cogtool create` lives in: [`options`] (flags and GDAL `--co` names),
//! [`levels`] (pyramid geometry), [`ifd`] and [`plan`] (GDAL's byte layout).

pub mod ifd;
pub mod levels;
pub mod options;
pub mod plan;
pub mod resample;
