//! `cogtool validate SOURCE...`: sources from arguments, `@list.txt` or `-`
//! (stdin), checked in parallel, printed in input order. Exit 0 when all are
//! valid, 1 when any is not, 2 when any could not be read (or bad usage).

use super::{End, Global, Status, report, stdout_failed};
use crate::cli::{FullCheck, OutputFormat, RuleSet, ValidateArgs};
use cogtool::read::validate::formats::{self, Junit};
use cogtool::read::validate::{self, Options, Rules};
use std::io::Write;
use std::ops::ControlFlow;

/// Findings of one rule shown in text output (JSON has them all).
const TEXT_PER_RULE: usize = 10;

pub fn run(g: &Global, a: ValidateArgs) -> End {
    let open = g.open_options();
    let sources = super::sources::expand(&a.sources, a.recursive, &open)?;
    let opts = Options {
        rules: match a.rules {
            RuleSet::Gdal => Rules::Gdal,
            RuleSet::Rio => Rules::Rio,
            RuleSet::Ogc => Rules::Ogc,
        },
        full_check: match a.full_check {
            FullCheck::Yes => validate::FullCheck::Yes,
            FullCheck::No => validate::FullCheck::No,
            FullCheck::Auto => validate::FullCheck::Auto,
        },
    };
    let format = if a.json { OutputFormat::Json } else { a.format.unwrap_or(OutputFormat::Text) };
    let (mut invalid, mut failed) = (false, false);
    let mut junit = Junit::new();
    let stdout = std::io::stdout();
    let work = |s: &str| {
        let t = std::time::Instant::now();
        (validate::validate_source(s, &open, &opts), t.elapsed().as_secs_f64())
    };
    let workers = super::sources::workers(&sources, open.concurrency);
    let stopped = super::sources::in_order(&sources, workers, work, |src, (r, seconds)| {
        let text = match r {
            Ok(rep) => {
                invalid |= !rep.is_valid(a.strict);
                match format {
                    OutputFormat::Json => rep.to_json(a.strict).to_string() + "\n",
                    OutputFormat::Text => rep.to_text(a.strict, TEXT_PER_RULE),
                    OutputFormat::Github => formats::github(&rep, a.strict),
                    OutputFormat::Junit => {
                        junit.add(&rep, a.strict, seconds);
                        return ControlFlow::Continue(());
                    }
                }
            }
            Err(e) => {
                failed = true;
                report(src, &e);
                match format {
                    OutputFormat::Json => serde_json::json!({"path": src, "error": e.message}).to_string() + "\n",
                    OutputFormat::Github => formats::github_unreadable(src, &e.message),
                    OutputFormat::Junit => {
                        junit.add_unreadable(src, &e.message);
                        return ControlFlow::Continue(());
                    }
                    OutputFormat::Text => return ControlFlow::Continue(()),
                }
            }
        };
        match stdout.lock().write_all(text.as_bytes()) {
            Ok(()) => ControlFlow::Continue(()),
            Err(e) => ControlFlow::Break(stdout_failed(e)),
        }
    });
    if let Some(end) = stopped {
        return end;
    }
    if format == OutputFormat::Junit
        && let Err(e) = stdout.lock().write_all(junit.finish().as_bytes())
    {
        return stdout_failed(e);
    }
    Ok(if failed {
        Status::SomeFailed
    } else if invalid {
        Status::NotOk
    } else {
        Status::Ok
    })
}
