//! The pipeline between rows in and encoded tiles out, the same for every
//! input adapter and every sink.
//!
//! * [`levels`]: the pyramid's geometry (which levels, their sizes);
//! * [`pyramid`]: every level built in one pass over the input rows;
//! * [`resample`]: one file per method family, GDAL's rules;
//! * `tile_encoder` and `encode_queue`: tiles compressed on their own pool,
//!   in a bounded queue;
//! * `repack`: levels whose stored tiles are copied as they are;
//! * `stats`: band statistics computed as full resolution passes;
//! * `spill`: encoded tiles framed per level (leader, trailer) until the
//!   sink copies them into place; `sample`: the sample types.

pub(crate) mod encode_queue;
pub(crate) mod levels;
pub(crate) mod pyramid;
pub(crate) mod repack;
pub mod resample;
pub(crate) mod sample;
pub(crate) mod spill;
pub(crate) mod stats;
pub(crate) mod tile_encoder;
