//! Remote sources and the cloud sinks against real servers on 127.0.0.1 (HTTP with Range, s3s-fs,
//! moto, gcp-storage-emulator, Azurite).
//!
//! One test binary for the area (each binary links the whole crate);
//! `cargo test --test remote NAME` runs one module or test.

#[path = "../create_support/mod.rs"]
mod create_support;
#[path = "../remote_support/mod.rs"]
mod remote_support;

mod remote_clouds;
mod remote_http;
mod remote_s3;
mod remote_s3_stream;
