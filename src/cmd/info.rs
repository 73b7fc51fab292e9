//! `cogtool info SOURCE...`: describe each source; failures are reported
//! and the run goes on, exiting 2 at the end if any source failed.

use super::{End, Global, Status, report, stdout_failed};
use crate::cli::InfoArgs;
use cogtool::read::describe::Description;
use cogtool::tiff::Tiff;
use std::io::Write;
use std::sync::Arc;

pub fn run(g: &Global, a: InfoArgs) -> End {
    let mut failed = false;
    let stdout = std::io::stdout();
    for src in &a.sources {
        let reader = cogtool::source::open(src, &g.open_options()).map(Arc::new);
        let result = reader.clone().and_then(|r| {
            // Lenient, as every subcommand reads the chain (and libtiff/GDAL):
            // a broken next-IFD pointer ends the chain with a warning.
            let mut t = Tiff::open_lenient(r.clone())?;
            // Overviews stored as SubIFDs are GDAL's overviews too.
            let sub_problem = t.add_sub_ifds();
            let d = Description::new(src, &t)?;
            if !g.quiet {
                if let Some(p) = &sub_problem {
                    report(src, format!("warning: {}", p));
                }
                if let Some(e) = &t.chain_error {
                    report(src, format!("warning: {}; showing the {} IFD(s) before it", e.message, t.chain_len));
                }
                let (bad, all) = cogtool::read::describe::blocks_past_end(&t, &d.images);
                if bad > 0 {
                    report(
                        src,
                        format!(
                            "warning: {} of {} tiles/strips reach past the end of the file ({} bytes): truncated?",
                            bad, all, t.file_size
                        ),
                    );
                }
            }
            Ok(if a.json {
                let mut j = d.to_json(a.all_values);
                r.add_stats_to_json(&mut j); // remote sources: requests, bytes_fetched
                j.to_string() + "\n"
            } else {
                d.to_text(a.all_values)
            })
        });
        if g.verbose > 0 {
            // What describing this source cost: the number to watch for remote files.
            if let Ok(r) = &reader {
                let st = r.stats();
                report(src, format!("{} read(s), {} bytes", st.requests, st.bytes));
            }
        }
        let mut out = stdout.lock();
        match result {
            Ok(text) => {
                if let Err(e) = out.write_all(text.as_bytes()) {
                    return stdout_failed(e);
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
    }
    Ok(if failed { Status::SomeFailed } else { Status::Ok })
}
