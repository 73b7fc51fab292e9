//! The read side: `info`, `validate` and `dump`, on fixtures, mutations, the corpus and hostile limits.
//!
//! One test binary for the area (each binary links the whole crate);
//! `cargo test --test read NAME` runs one module or test.

#[path = "../common/mod.rs"]
mod common;
#[path = "../mutate/mod.rs"]
mod mutate;

mod dump;
mod dump_oracle;
mod hostile_limits;
mod info;
mod info_corpus;
mod info_mutations;
mod mutation;
mod tiff_field_types;
mod validate_corpus;
mod validate_fixtures;
mod validate_formats;
mod validate_ogc;
