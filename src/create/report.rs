//! What a run of `create` reports to its caller: the [`Summary`] of what
//! was written, and the [`Progress`] hooks (progress bar, cancellation)
//! the pipeline calls. A leaf module: every writer (single run, part,
//! assembly, GDAL bridge) and every caller shares it.

use crate::Cancel;

/// What happened, for the caller to report.
#[derive(Debug, Clone)]
pub struct Summary {
    pub levels: usize,
    pub with_mask: bool,
    pub bigtiff: bool,
    pub bytes: u64,
    pub verified: bool,
    /// What the user should know about how INPUT was read (printed unless -q).
    pub notes: Vec<String>,
    /// How each level was made: its tiles copied from the input, or
    /// encoded and why (printed with -v).
    pub level_report: Vec<String>,
    /// For an S3 OUTPUT streamed while computed: how it went up (parts and
    /// their sizes).
    pub uploaded: Option<String>,
}

/// What the caller sees of a run, and how it stops one: progress hooks (the
/// command layer draws a bar; tests pass nothing) and the cancellation flag
/// the pipeline checks at every tile (see [`crate::create::run::create`]).
pub trait Progress: Send {
    fn start(&mut self, _total_tiles: u64) {}
    fn tiles(&mut self, _n: u64) {}
    fn finish(&mut self) {}
    /// The flag that stops this run (by default one nobody raises).
    fn cancel(&self) -> Cancel {
        Cancel::new()
    }
}
pub struct NoProgress;
impl Progress for NoProgress {}
