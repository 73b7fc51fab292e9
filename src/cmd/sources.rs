//! The sources of `info` and `validate`: names as given, `@list.txt`, `-`
//! (stdin), local directories (with `--recursive`) and `s3://bucket/prefix/`
//! (listed); then each source worked on by a pool and printed in input
//! order, a window at a time, so memory stays bounded however many there
//! are and printing starts before the last one is done.
//!
//! Remote sources spend their time waiting on the network, not on a core:
//! a batch with any of them runs `--concurrency` sources at once (at least
//! one per core), each with its requests in flight.

use super::{End, Stop};
use cogtool::source::{OpenOptions, Scheme, scheme};
use rayon::prelude::*;
use std::io::BufRead;
use std::ops::ControlFlow;
use std::path::Path;

/// Expand the names given into sources (one per line in lists, blanks
/// skipped; directories and S3 prefixes into their TIFFs, sorted).
pub fn expand(sources: &[String], recursive: bool, open: &OpenOptions) -> Result<Vec<String>, Stop> {
    let mut out = Vec::new();
    let push_lines = |out: &mut Vec<String>, text: &str| {
        out.extend(text.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from));
    };
    for s in sources {
        if s == "-" {
            let mut text = String::new();
            for line in std::io::stdin().lock().lines() {
                let line = line.map_err(|e| Stop::about("-", cogtool::Error::from(e)))?;
                text.push_str(&line);
                text.push('\n');
            }
            push_lines(&mut out, &text);
        } else if let Some(list) = s.strip_prefix('@') {
            let text = std::fs::read_to_string(list).map_err(|e| {
                Stop::about(list, cogtool::Error::io(format!("cannot read list: {}", cogtool::error::describe_io(&e))))
            })?;
            push_lines(&mut out, &text);
        } else if scheme(s).is_cloud() && s.ends_with('/') {
            out.extend(cogtool::source::s3::list_tiffs(s, open).map_err(|e| Stop::about(s, e))?);
        } else if scheme(s) == Scheme::Local && Path::new(s).is_dir() {
            if !recursive {
                return Err(Stop::about(
                    s,
                    cogtool::Error::usage("is a directory (--recursive checks the TIFFs under it)"),
                ));
            }
            let mut found = Vec::new();
            walk(Path::new(s), &mut found).map_err(|e| Stop::about(s, e))?;
            found.sort();
            out.extend(found);
        } else {
            out.push(s.clone());
        }
    }
    Ok(out)
}

/// The files under `dir` named *.tif or *.tiff (any case), recursively;
/// symbolic links to directories are not followed (no loops).
fn walk(dir: &Path, out: &mut Vec<String>) -> cogtool::Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        cogtool::Error::io(format!("cannot list {}: {}", dir.display(), cogtool::error::describe_io(&e)))
    })?;
    for entry in entries {
        let entry = entry.map_err(cogtool::Error::from)?;
        let kind = entry.file_type().map_err(cogtool::Error::from)?;
        let path = entry.path();
        if kind.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("tif") || e.eq_ignore_ascii_case("tiff")) {
            out.push(path.display().to_string());
        }
    }
    Ok(())
}

/// Sources worked on at once: one per core, or `--concurrency` when any
/// source is remote (its time goes to waiting on the network).
pub fn workers(sources: &[String], concurrency: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if sources.iter().any(|s| scheme(s) != Scheme::Local) { concurrency.max(cores) } else { cores }
}

/// Run `work` on every source with `workers` threads and hand the results
/// to `emit` in input order, a window of `workers * 8` sources at a time.
/// `emit` may stop the run (stdout closed): its answer is returned.
pub fn in_order<T: Send>(
    sources: &[String],
    workers: usize,
    work: impl Fn(&str) -> T + Sync + Send,
    mut emit: impl FnMut(&str, T) -> ControlFlow<End>,
) -> Option<End> {
    let pool = match rayon::ThreadPoolBuilder::new()
        .num_threads(workers.max(1))
        .thread_name(|i| format!("cogtool-source-{}", i))
        .build()
    {
        Ok(p) => p,
        Err(e) => {
            return Some(Err(Stop::usage(cogtool::Error::io(format!("cannot start {} threads: {}", workers, e)))));
        }
    };
    for window in sources.chunks((workers * 8).max(64)) {
        let results: Vec<T> = pool.install(|| window.par_iter().map(|s| work(s)).collect());
        for (s, r) in window.iter().zip(results) {
            if let ControlFlow::Break(end) = emit(s, r) {
                return Some(end);
            }
        }
    }
    None
}
