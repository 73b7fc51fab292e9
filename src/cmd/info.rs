//! `cogtool info SOURCE...`: describe each source; failures are reported
//! and the run goes on, exiting 2 at the end if any source failed. Sources
//! are described by a pool (see sources.rs) and printed in input order,
//! each with its warnings.

use super::{End, Global, Status, report, stdout_failed};
use crate::cli::InfoArgs;
use cogtool::read::describe::Description;
use cogtool::tiff::Tiff;
use std::io::Write;
use std::ops::ControlFlow;
use std::sync::Arc;

/// One source described: its text (or JSON line), the warnings to print
/// before it, and what reading it cost (with -v).
struct Described {
    text: cogtool::Result<String>,
    warnings: Vec<String>,
    cost: Option<String>,
}

fn describe(g: &Global, a: &InfoArgs, open: &cogtool::source::OpenOptions, src: &str) -> Described {
    let mut warnings = Vec::new();
    let reader = cogtool::source::open(src, open).map(Arc::new);
    let text = reader.clone().and_then(|r| {
        // Lenient, as every subcommand reads the chain (and libtiff/GDAL):
        // a broken next-IFD pointer ends the chain with a warning.
        let mut t = Tiff::open_lenient(r.clone())?;
        // Overviews stored as SubIFDs are GDAL's overviews too.
        let sub_problem = t.add_sub_ifds();
        let d = Description::new(src, &t)?;
        if let Some(p) = &sub_problem {
            warnings.push(format!("warning: {}", p));
        }
        if let Some(e) = &t.chain_error {
            warnings.push(format!("warning: {}; showing the {} IFD(s) before it", e.message, t.chain_len));
        }
        let (bad, all) = cogtool::read::describe::blocks_past_end(&t, &d.images);
        if bad > 0 {
            warnings.push(format!(
                "warning: {} of {} tiles/strips reach past the end of the file ({} bytes): truncated?",
                bad, all, t.file_size
            ));
        }
        Ok(if a.json {
            let mut j = d.to_json(a.all_values);
            r.add_stats_to_json(&mut j); // remote sources: requests, bytes_fetched
            j.to_string() + "\n"
        } else {
            d.to_text(a.all_values)
        })
    });
    // What describing this source cost: the number to watch for remote files.
    let cost = (g.verbose > 0)
        .then(|| reader.as_ref().ok().map(|r| r.stats()))
        .flatten()
        .map(|st| format!("{} read(s), {} bytes", st.requests, st.bytes));
    Described { text, warnings, cost }
}

pub fn run(g: &Global, a: InfoArgs) -> End {
    let open = g.open_options();
    let sources = super::sources::expand(&a.sources, a.recursive, &open)?;
    let mut failed = false;
    let stdout = std::io::stdout();
    let workers = super::sources::workers(&sources, open.concurrency);
    let stopped = super::sources::in_order(
        &sources,
        workers,
        |s| describe(g, &a, &open, s),
        |src, d| {
            if !g.quiet {
                for w in &d.warnings {
                    report(src, w);
                }
            }
            if let Some(c) = &d.cost {
                report(src, c);
            }
            let mut out = stdout.lock();
            match d.text {
                Ok(text) => {
                    if let Err(e) = out.write_all(text.as_bytes()) {
                        return ControlFlow::Break(stdout_failed(e));
                    }
                }
                Err(e) => {
                    failed = true;
                    report(src, &e);
                    if a.json {
                        let _ = writeln!(out, "{}", serde_json::json!({"path": src, "error": e.message}));
                    }
                }
            }
            ControlFlow::Continue(())
        },
    );
    if let Some(end) = stopped {
        return end;
    }
    Ok(if failed { Status::SomeFailed } else { Status::Ok })
}
