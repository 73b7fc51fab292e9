//! The write side, `cogtool create`, entered through [`run::create`]. Data
//! flows one way through four folders:
//!
//! * [`input`]: adapters that turn a source into rows of pixels and the
//!   facts kept from it (the native TIFF reader, remote prefetching,
//!   sidecars, GDAL for other formats and tile matrix sets);
//! * [`pipeline`]: the pyramid built in one pass, resampling, tile
//!   encoding on its own pool, per-level spills;
//! * [`layout`]: GDAL's byte layout, the IFD sequence planned once;
//! * [`sink`]: where the bytes go (a local file nameless until complete,
//!   stdout, S3).
//!
//! Beside them: [`options`] (the request, with GDAL `--co` names),
//! [`config`] (options resolved against the input, every IFD's tags),
//! [`convert`] (the native run, wiring the four together), [`verify`]
//! (`--verify`: every level checked against the one it is computed from)
//! [`run`] (the entry point, which picks the adapter and the sink) and
//! [`batch`] (many inputs into a directory or S3 prefix, cores shared out).

pub mod batch;
pub(crate) mod config;
pub mod convert;
pub(crate) mod encode;
pub mod input;
pub(crate) mod layout;
pub mod options;
pub mod parts;
pub mod pipeline;
pub mod report;
pub mod run;
pub mod sink;
mod values;
pub mod verify;
