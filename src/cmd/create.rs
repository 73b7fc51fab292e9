//! `cogtool create INPUT OUTPUT`: parse options, run the library's writer,
//! draw a progress bar on a terminal, report errors on one line.

use super::{End, Global, Status, Stop};
use cogtool::create::convert::Progress;
use cogtool::create::options::CreateOptions;
use cogtool::create::run::Request;
use cogtool::{Cancel, Error};
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

pub fn run(g: &Global, a: crate::cli::CreateArgs) -> End {
    // Option errors are about the command line: no file name before them.
    let flags = a.flags();
    let tiling = cogtool::create::input::gdal_gate::tiling_of(&flags).map_err(Stop::usage)?;
    let opts = CreateOptions::from_flags(&flags).map_err(Stop::usage)?;
    if refuse_stdout(&a.output, std::io::stdout().is_terminal()) {
        return Err(Stop::usage(Error::usage(
            "refusing to write a binary COG to a terminal: redirect stdout (`> out.tif`, `| ...`) or name an OUTPUT file",
        )));
    }
    if cogtool::source::scheme(&a.output) == cogtool::source::Scheme::Local {
        cogtool::create::convert::check_local_output(&a.output, &opts).map_err(Stop::usage)?;
    }
    let cancel = Cancel::new();
    super::signals::install(&cancel);
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
    let result = cogtool::create::run::create(&request, &mut bar, &cancel);
    bar.finish();
    let s = result.map_err(|e| Stop::about(&a.input, e))?;
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
    Ok(Status::Ok)
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
