//! Where a COG's bytes go: [`local`] (a file that gets its name only once
//! complete, stdout, nameless scratch files) and [`s3`] (built locally,
//! then uploaded; the multipart upload aborted on failure or cancel).

pub mod local;
pub(crate) mod s3;
