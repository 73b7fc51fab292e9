//! COG rules: validation, layout planning and the writer pipeline.
pub mod resample;
pub mod validate;
