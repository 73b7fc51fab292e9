//! `cogtool validate SOURCE...`: sources from arguments, `@list.txt` or `-`
//! (stdin), checked in parallel, printed in input order. Exit 0 when all are
//! valid, 1 when any is not, 2 when any could not be read (or bad usage).

use super::{End, Global, Status, Stop, report, stdout_failed};
use crate::cli::{FullCheck, OutputFormat, RuleSet, ValidateArgs};
use cogtool::read::validate::formats::{self, Junit};
use cogtool::read::validate::{self, Options, Report, Rules};
use rayon::prelude::*;
use std::io::{BufRead, Write};

/// Sources validated per parallel batch: output stays in input order and
/// starts before a long list is finished.
const BATCH: usize = 256;
/// Findings of one rule shown in text output (JSON has them all).
const TEXT_PER_RULE: usize = 10;

/// Expand `@list.txt` and `-` into source names (one per line, blanks skipped).
fn expand(sources: &[String]) -> Result<Vec<String>, Stop> {
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
        } else {
            out.push(s.clone());
        }
    }
    Ok(out)
}

pub fn run(g: &Global, a: ValidateArgs) -> End {
    let sources = expand(&a.sources)?;
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
    let open = g.open_options();
    let format = if a.json { OutputFormat::Json } else { a.format.unwrap_or(OutputFormat::Text) };
    let (mut invalid, mut failed) = (false, false);
    let mut junit = Junit::new();
    let stdout = std::io::stdout();
    for chunk in sources.chunks(BATCH) {
        let results: Vec<(cogtool::Result<Report>, f64)> = chunk
            .par_iter()
            .map(|s| {
                let t = std::time::Instant::now();
                (validate::validate_source(s, &open, &opts), t.elapsed().as_secs_f64())
            })
            .collect();
        let mut out = stdout.lock();
        for (src, (r, seconds)) in chunk.iter().zip(results) {
            let text = match r {
                Ok(rep) => {
                    invalid |= !rep.is_valid(a.strict);
                    match format {
                        OutputFormat::Json => rep.to_json(a.strict).to_string() + "\n",
                        OutputFormat::Text => rep.to_text(a.strict, TEXT_PER_RULE),
                        OutputFormat::Github => formats::github(&rep, a.strict),
                        OutputFormat::Junit => {
                            junit.add(&rep, a.strict, seconds);
                            continue;
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
                            continue;
                        }
                        OutputFormat::Text => continue,
                    }
                }
            };
            if let Err(e) = out.write_all(text.as_bytes()) {
                return stdout_failed(e);
            }
        }
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
