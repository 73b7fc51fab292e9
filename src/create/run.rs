//! The one entry point of `create`: a [`Request`] (what to convert, where
//! to, how) and [`create`], which picks the input adapter and the output
//! sink. Everything below it knows nothing of the others: the native TIFF
//! path ([`crate::create::convert::create_tiff`]), which streams to S3 as it
//! computes ([`crate::create::sink::cloud_stream`]), the GDAL bridge for other
//! formats and tile matrix sets ([`crate::create::input::gdal_gate`]), and
//! the build-then-upload S3 sink ([`crate::create::sink::s3`]), which takes
//! any local writer.

use crate::create::convert::{Progress, Summary, check_local_output, create_tiff};
use crate::create::input::gdal_gate;
use crate::create::input::tms::Tiling;
use crate::create::options::CreateOptions;
use crate::create::parts::Distributed;
use crate::create::sink::s3;
use crate::source::{OpenOptions, Scheme, scheme};
use crate::{Cancel, Error, Result};

/// One conversion.
#[derive(Debug, Clone)]
pub struct Request {
    /// A local path, `http(s)://` or `s3://` URL.
    pub input: String,
    /// A local path, `-` (stdout), `s3://bucket/key`, `gs://bucket/key` or
    /// `az://container/blob`.
    pub output: String,
    pub options: CreateOptions,
    /// A reprojection onto a tile matrix set (GDAL's warper), if asked.
    pub tiling: Option<Tiling>,
    /// How remote sources and S3 outputs are reached.
    pub remote: OpenOptions,
}

impl Request {
    /// INPUT to OUTPUT with `options`, no tiling, default remote access.
    pub fn new(input: &str, output: &str, options: CreateOptions) -> Request {
        Request {
            input: input.to_string(),
            output: output.to_string(),
            options,
            tiling: None,
            remote: OpenOptions::default(),
        }
    }
}

/// Convert as `req` asks: into a local file (or stdout), or built locally
/// and uploaded to S3. Once `cancel` is raised the run stops at its next
/// tile (or aborts its upload) with [`crate::ErrorKind::Interrupted`],
/// leaving no output and no temporary file.
pub fn create(req: &Request, progress: &mut dyn Progress, cancel: &Cancel) -> Result<Summary> {
    let mut watched = Watched { inner: progress, cancel: cancel.clone() };
    let progress: &mut dyn Progress = &mut watched;
    if let Some(d) = &req.options.distributed {
        // A part of a distributed run, or its assembly: staged beside a
        // local OUTPUT, from a TIFF INPUT whose identity every part records.
        let out = scheme(&req.output);
        if req.tiling.is_some() {
            return Err(Error::usage(
                "--part does not take --web-optimized or --tms: the warp onto a tiling scheme is GDAL's",
            ));
        }
        if !(out == Scheme::Local || out.is_cloud()) || req.output == "-" {
            return Err(Error::usage(format!(
                "--part: parts are staged beside OUTPUT, and {} cannot have them beside it: give a file path \
                 (local or shared), or an s3://, gs:// or az:// URL",
                req.output
            )));
        }
        // (The caller names INPUT in front of the message.)
        if scheme(&req.input) == Scheme::Local && !gdal_gate::looks_like_tiff(&req.input) {
            return Err(Error::usage(
                "--part needs a TIFF input (other formats are read through GDAL, which parts do not use)",
            ));
        }
        let mut req = req.clone();
        req.options.distributed = Some(d.clone().with_input(input_identity(&req.input, &req.remote)?));
        if matches!(d, Distributed::Assemble { .. }) && out == Scheme::Local {
            check_local_output(&req.output, &req.options)?;
        }
        return create_tiff(&req.input, &req.output, &req.options, &req.remote, progress);
    }
    if scheme(&req.output).is_cloud() && streams(req) {
        // Streamed while computed (convert::write_cog): no local copy.
        return create_tiff(&req.input, &req.output, &req.options, &req.remote, progress);
    }
    if scheme(&req.output).is_cloud() {
        return s3::upload_built(&req.output, &req.options, &req.remote, progress, cancel, |local, o, p| {
            create_local(req, local, o, p)
        });
    }
    create_local(req, &req.output, &req.options, progress)
}

/// What identifies INPUT for a distributed run: size and modification time
/// of a local file, size and ETag (or Last-Modified) of a remote object.
fn input_identity(input: &str, remote: &OpenOptions) -> Result<String> {
    if scheme(input) == Scheme::Local {
        let m =
            std::fs::metadata(input).map_err(|e| Error::io(format!("{}: {}", input, crate::error::describe_io(&e))))?;
        let mtime = m.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map(|d| d.as_nanos());
        return Ok(format!("size {} mtime_ns {}", m.len(), mtime.unwrap_or(0)));
    }
    let src = crate::source::open(input, remote)?;
    Ok(format!("size {} {}", src.len()?, src.source().version().unwrap_or_default()))
}

/// Whether an S3 OUTPUT is streamed while computed: for the native TIFF
/// path without --verify. The GDAL bridge (other formats, tile matrix
/// sets) writes a local file, and --verify reads the finished file back:
/// those are built locally, then uploaded.
fn streams(req: &Request) -> bool {
    req.tiling.is_none()
        && !req.options.verify
        && (scheme(&req.input) != Scheme::Local || gdal_gate::looks_like_tiff(&req.input))
}

/// The caller's progress hooks, with the caller's cancellation flag.
struct Watched<'a> {
    inner: &'a mut dyn Progress,
    cancel: Cancel,
}

impl Progress for Watched<'_> {
    fn start(&mut self, total: u64) {
        self.inner.start(total)
    }
    fn tiles(&mut self, n: u64) {
        self.inner.tiles(n)
    }
    fn finish(&mut self) {
        self.inner.finish()
    }
    fn cancel(&self) -> Cancel {
        self.cancel.clone()
    }
}

/// The local writer for `output`: the warp onto a tile matrix set, GDAL
/// for a non-TIFF input, else the native path.
fn create_local(req: &Request, output: &str, o: &CreateOptions, progress: &mut dyn Progress) -> Result<Summary> {
    if let Some(t) = &req.tiling {
        return gdal_gate::create_tiled(&req.input, output, o, t, progress);
    }
    check_local_output(output, o)?;
    if scheme(&req.input) == Scheme::Local && !gdal_gate::looks_like_tiff(&req.input) {
        return gdal_gate::create_from_other(&req.input, output, o, progress);
    }
    create_tiff(&req.input, output, o, &req.remote, progress)
}
