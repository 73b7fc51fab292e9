//! The write side, `cogtool create`, entered through [`run::create`]: input
//! adapters, the pipeline, the layout planner and the output sinks.
//!
//! `cogtool create` lives in: [`options`] (flags and GDAL `--co` names),
//! [`input`] (what is kept from the input), [`config`] (options resolved
//! against the input, and every IFD's tags), [`levels`] (pyramid geometry),
//! [`pyramid`] (the one-pass streaming pyramid), `tile_encoder` and
//! `encode_queue` (tiles compressed on their own pool), `spill` (per-level
//! framed spills, the final in-kernel copy),
//! [`ifd`] and [`plan`] (GDAL's byte layout), [`output`] (temp files,
//! nameless until complete, cancellation), [`convert`] (the native run) and [`verify`]
//! (`--verify`: every level checked against the one it is computed from).

pub mod config;
pub mod convert;
mod encode_queue;
pub mod gdal_gate;
#[cfg(feature = "gdal")]
pub mod gdal_input;
#[cfg(feature = "gdal")]
pub mod gdal_warp;
pub mod ifd;
pub mod input;
pub mod levels;
pub mod options;
pub mod output;
pub mod plan;
pub mod pyramid;
pub mod remote_input;
pub mod resample;
pub mod rows;
pub mod run;
pub mod s3_output;
mod sample;
pub mod sidecar;
mod spill;
mod tile_encoder;
mod values;
pub mod verify;

pub mod tms;
