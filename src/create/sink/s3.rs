//! `cogtool create INPUT s3://bucket/key` (or `gs://`, `az://`) for the
//! writers that need a local file (`--verify`, the GDAL bridge): the COG is
//! assembled in a local temporary file (in --tmpdir, else the system temp
//! directory), exactly as for a local OUTPUT, then uploaded: to S3 by
//! [`crate::source::s3_upload`] (one PutObject below 8 MiB, else a
//! multipart upload of parts of at least 8 MiB, `--concurrency` in flight,
//! each streamed from the file), to the other clouds by
//! [`crate::source::multipart::upload_file`]. A failure or a cancel during
//! the upload aborts it, so no parts are left behind to be billed; the
//! temp file is removed in every case.

use crate::create::convert::{Progress, Summary};
use crate::create::options::CreateOptions;
use crate::create::sink::local::{TempFile, open_unlinked};
use crate::source::{OpenOptions, multipart, object_exists};
use crate::{Cancel, Error, Result};

/// Run `build` (any writer of a local COG: the plain conversion, or the warp
/// onto a tile matrix set) into a temp file, then upload that file to `url`.
pub fn upload_built(
    url: &str,
    o: &CreateOptions,
    remote: &OpenOptions,
    progress: &mut dyn Progress,
    cancel: &Cancel,
    build: impl FnOnce(&str, &CreateOptions, &mut dyn Progress) -> Result<Summary>,
) -> Result<Summary> {
    // Same rule as for local files: never replace silently. (If the HEAD is
    // not allowed, the answer is unknown and the upload goes ahead.)
    if !o.overwrite && object_exists(url, remote)? == Some(true) {
        return Err(Error::usage(format!("{} exists; use --overwrite to replace it", url)));
    }
    let dir = o.tmpdir.clone().unwrap_or_else(std::env::temp_dir);
    let stem = url.rsplit('/').next().filter(|s| !s.is_empty()).unwrap_or("upload.tif");
    // Reserve a name; the pipeline replaces this file with the COG, and the
    // reservation removes it on drop (error, upload done) or on cancel.
    let local = TempFile::named_in(&dir, stem, "cogtool-upload")?;
    let local_name = local.path.to_string_lossy().into_owned();
    let inner = CreateOptions { overwrite: true, tmpdir: Some(dir.clone()), ..o.clone() };
    let summary = build(&local_name, &inner, progress)?;
    // From here the COG has no name either: a SIGKILL during the upload
    // leaves nothing in the temp directory.
    let (_open, built) = open_unlinked(&local.path)?;
    cancel.check(&format!("{}: upload not started", url))?;
    let report = multipart::upload_file(&built, url, remote, cancel, o.overwrite)?;
    if remote.verbose {
        eprintln!("cogtool: uploaded {} bytes to {} ({})", report.bytes, url, report.describe());
    }
    drop(local);
    Ok(summary)
}
