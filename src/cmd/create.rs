//! `cogtool create INPUT OUTPUT`: parse options, run the library's writer,
//! draw a progress bar on a terminal, report errors on one line.

use super::{EXIT_ERROR, EXIT_OK, Global, report, report_usage};
use crate::create::convert::Progress;
use crate::create::options::CreateOptions;
use crate::create::run::Request;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;

/// A bar weighted by tiles (every tile costs a read share, a resample share
/// and an encode), hidden when stderr is not a terminal or with -q.
struct Bar(Option<ProgressBar>);

impl Progress for Bar {
    fn start(&mut self, total: u64) {
        if let Some(b) = &self.0 {
            b.set_length(total);
        }
    }
    fn tiles(&mut self, n: u64) {
        if let Some(b) = &self.0 {
            b.inc(n);
        }
    }
    fn finish(&mut self) {
        if let Some(b) = &self.0 {
            b.finish_and_clear();
        }
    }
}

pub fn run(g: &Global, a: crate::cli::CreateArgs) -> i32 {
    // Option errors are about the command line: no file name before them.
    let flags = a.flags();
    let tiling = match crate::create::gdal_gate::tiling_of(&flags) {
        Ok(t) => t,
        Err(e) => {
            report_usage(&e);
            return EXIT_ERROR;
        }
    };
    let opts = match CreateOptions::from_flags(&flags) {
        Ok(o) => o,
        Err(e) => {
            report_usage(&e);
            return EXIT_ERROR;
        }
    };
    if refuse_stdout(&a.output, std::io::stdout().is_terminal()) {
        report_usage(
            "refusing to write a binary COG to a terminal: redirect stdout (`> out.tif`, `| ...`) or name an OUTPUT file",
        );
        return EXIT_ERROR;
    }
    if crate::source::scheme(&a.output) == crate::source::Scheme::Local
        && let Err(e) = crate::create::convert::check_local_output(&a.output, &opts)
    {
        report_usage(&e);
        return EXIT_ERROR;
    }
    super::signals::install();
    let bar = (!g.quiet && std::io::stderr().is_terminal()).then(|| {
        let b = ProgressBar::new(0);
        b.set_style(
            ProgressStyle::with_template("{spinner} {bar:40} {percent:>3}% tiles {pos}/{len} eta {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b
    });
    let mut bar = Bar(bar);
    let request =
        Request { input: a.input.clone(), output: a.output.clone(), options: opts, tiling, remote: g.open_options() };
    match crate::create::run::create(&request, &mut bar) {
        Ok(s) => {
            bar.finish();
            if !g.quiet {
                for note in &s.notes {
                    eprintln!("cogtool: {}: note: {}", a.input, note);
                }
            }
            if g.verbose > 0 && !g.quiet {
                eprintln!(
                    "cogtool: {}: {} levels{}, {} bytes{}{}",
                    a.output,
                    s.levels,
                    if s.with_mask { " with mask" } else { "" },
                    s.bytes,
                    if s.bigtiff { ", BigTIFF" } else { "" },
                    if s.verified { ", verified" } else { "" }
                );
            }
            EXIT_OK
        }
        Err(e) => {
            bar.finish();
            if crate::create::output::cancelled() {
                // A signal during a remote step: it was wound down (multipart
                // upload aborted) and the temp files are gone by now.
                let code = super::signals::exit_code();
                eprintln!("cogtool: {}; {}", super::signals::what(code), e.message);
                return code;
            }
            report(&a.input, &e);
            EXIT_ERROR
        }
    }
}

/// `create IN -` with stdout on a terminal would print the binary COG on
/// the screen: refused, as a usage error.
pub fn refuse_stdout(output: &str, stdout_is_terminal: bool) -> bool {
    output == "-" && stdout_is_terminal
}

#[cfg(test)]
mod tests {
    #[test]
    fn stdout_is_refused_only_on_a_terminal() {
        assert!(super::refuse_stdout("-", true));
        assert!(!super::refuse_stdout("-", false));
        assert!(!super::refuse_stdout("out.tif", true));
    }
}
