//! `cogtool create INPUT... OUTPUT`: parse options, run the library's
//! writer once or for each input (into a directory, `cp`-style), draw a
//! progress bar on a terminal, report errors on one line.

use super::{End, Global, Status, Stop};
use cogtool::create::batch;
use cogtool::create::convert::{Progress, Summary};
use cogtool::create::options::CreateOptions;
use cogtool::create::parts::Distributed;
use cogtool::create::run::Request;
use cogtool::{Cancel, Error};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{IsTerminal, Read};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

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
    let mut opts = CreateOptions::from_flags(&flags).map_err(Stop::usage)?;
    let (inputs, output) = a.inputs_and_output();
    if let Some(spec) = &a.part {
        let (index, count) = parse_part(spec, |v| std::env::var(v).ok()).map_err(Stop::usage)?;
        if inputs.len() != 1 || inputs[0] == "-" || batch::is_directory(output) {
            return Err(Stop::usage(Error::usage("--part takes one INPUT and one OUTPUT file")));
        }
        opts.distributed = Some(Distributed::Part { index, count, recipe: recipe(), input: String::new() });
    }
    // `-` as the only INPUT: the input paths come on stdin, one per line.
    let inputs = if inputs == ["-"] { read_list()? } else { inputs.to_vec() };
    let template =
        Request { input: String::new(), output: String::new(), options: opts, tiling, remote: g.open_options() };
    if inputs.len() == 1 && !batch::is_directory(output) {
        return one(g, Request { input: inputs[0].clone(), output: output.to_string(), ..template });
    }
    many(g, &inputs, output, template)
}

/// INPUT to OUTPUT.
fn one(g: &Global, request: Request) -> End {
    let (input, output) = (request.input.clone(), request.output.clone());
    if refuse_stdout(&output, std::io::stdout().is_terminal()) {
        return Err(Stop::usage(Error::usage(
            "refusing to write a binary COG to a terminal: redirect stdout (`> out.tif`, `| ...`) or name an OUTPUT file",
        )));
    }
    if cogtool::source::scheme(&output) == cogtool::source::Scheme::Local {
        cogtool::create::convert::check_local_output(&output, &request.options).map_err(Stop::usage)?;
    }
    let cancel = Cancel::new();
    super::signals::install(&cancel);
    let mut bar = Bar(new_bar(g, "{spinner} {bar:40} {percent:>3}% tiles {pos}/{len} eta {eta}"));
    let result = cogtool::create::run::create(&request, &mut bar, &cancel);
    bar.finish();
    let s = result.map_err(|e| Stop::about(&input, e))?;
    report_done(g, &input, &output, &s);
    Ok(Status::Ok)
}

/// Several inputs, or one into a directory: each to `OUTPUT/<its name>`,
/// the cores shared out, a failure reported and the others done.
fn many(g: &Global, inputs: &[String], output: &str, template: Request) -> End {
    let pairs = batch::plan(inputs, output).map_err(Stop::usage)?;
    if cogtool::source::scheme(output) == cogtool::source::Scheme::Local && !Path::new(output).is_dir() {
        std::fs::create_dir_all(output).map_err(|e| Stop::about(output, e))?;
    }
    let reqs: Vec<Request> =
        pairs.into_iter().map(|(input, output)| Request { input, output, ..template.clone() }).collect();
    let cancel = Cancel::new();
    super::signals::install(&cancel);
    let bar = new_bar(g, "{spinner} {bar:40} {percent:>3}% files {msg} tiles {pos}/{len} eta {eta}");
    let files_done = AtomicUsize::new(0);
    if let Some(b) = &bar {
        b.set_message(format!("0/{}", reqs.len()));
    }
    let progress = || -> Box<dyn Progress> { Box::new(Shared(bar.clone())) };
    let done = |i: usize, r: &cogtool::Result<Summary>| {
        let req = &reqs[i];
        let n = files_done.fetch_add(1, Ordering::SeqCst) + 1;
        let say = || match r {
            Ok(s) => report_done(g, &req.input, &req.output, s),
            Err(e) => eprintln!("cogtool: {}: {}", req.input, e),
        };
        match &bar {
            Some(b) => {
                b.suspend(say);
                b.set_message(format!("{}/{}", n, reqs.len()));
            }
            None => say(),
        }
    };
    let threads =
        template.options.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let failed = batch::run(&reqs, threads, &cancel, &progress, &done);
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    if cancel.is_cancelled() {
        return Err(Stop::usage(Error::interrupted(format!(
            "{} of {} conversions done; the one running was removed",
            reqs.len() - failed,
            reqs.len()
        ))));
    }
    if g.verbose > 0 && !g.quiet {
        eprintln!("cogtool: {} of {} converted", reqs.len() - failed, reqs.len());
    }
    Ok(if failed > 0 { Status::SomeFailed } else { Status::Ok })
}

/// `--part I/N`: worker I (from 0) of N; `auto/N` takes I from the array
/// job index of AWS Batch, Kubernetes Indexed Jobs or Slurm (`env` reads
/// the environment).
pub fn parse_part(spec: &str, env: impl Fn(&str) -> Option<String>) -> Result<(usize, usize), Error> {
    let bad = || Error::usage(format!("--part {}: expected I/N with 0 <= I < N, or auto/N", spec));
    let (i, n) = spec.split_once('/').ok_or_else(bad)?;
    let n: usize = n.trim().parse().map_err(|_| bad())?;
    let i: usize = if i.trim() == "auto" {
        const VARS: [&str; 3] = ["AWS_BATCH_JOB_ARRAY_INDEX", "JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID"];
        let found = VARS.iter().find_map(|v| env(v).map(|x| (v, x)));
        let (var, value) =
            found.ok_or_else(|| Error::usage(format!("--part auto/{}: none of {} is set", n, VARS.join(", "))))?;
        value.trim().parse().map_err(|_| Error::usage(format!("--part auto: {}={} is not an index", var, value)))?
    } else {
        i.trim().parse().map_err(|_| bad())?
    };
    if n == 0 || i >= n {
        return Err(bad());
    }
    Ok((i, n))
}

/// This command line without `--part`: what `assemble` parses again to
/// rebuild the same request.
fn recipe() -> Vec<String> {
    let mut out = Vec::new();
    let mut args = std::env::args();
    while let Some(a) = args.next() {
        if a == "--part" {
            args.next();
        } else if !a.starts_with("--part=") {
            out.push(a);
        }
    }
    out
}

/// Input paths from stdin, one per line (blank lines skipped).
fn read_list() -> Result<Vec<String>, Stop> {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text).map_err(|e| Stop::about("-", e))?;
    let list: Vec<String> = text.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect();
    if list.is_empty() {
        return Err(Stop::usage(Error::usage("no input paths on stdin")));
    }
    Ok(list)
}

/// A progress bar on a terminal (none with -q or when stderr is not one).
fn new_bar(g: &Global, template: &str) -> Option<ProgressBar> {
    (!g.quiet && std::io::stderr().is_terminal()).then(|| {
        let b = ProgressBar::new(0);
        b.set_style(ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()));
        b
    })
}

/// One bar over every conversion of a batch: each adds its tiles.
struct Shared(Option<ProgressBar>);

impl Progress for Shared {
    fn start(&mut self, total: u64) {
        if let Some(b) = &self.0 {
            b.inc_length(total);
        }
    }
    fn tiles(&mut self, n: u64) {
        if let Some(b) = &self.0 {
            b.inc(n);
        }
    }
}

/// Notes, and with -v what was written.
pub fn report_done(g: &Global, input: &str, output: &str, s: &Summary) {
    if g.quiet {
        return;
    }
    for note in &s.notes {
        eprintln!("cogtool: {}: note: {}", input, note);
    }
    if g.verbose > 0 {
        eprintln!(
            "cogtool: {}: {} levels{}, {} bytes{}{}",
            output,
            s.levels,
            if s.with_mask { " with mask" } else { "" },
            s.bytes,
            if s.bigtiff { ", BigTIFF" } else { "" },
            if s.verified { ", verified" } else { "" }
        );
        for line in &s.level_report {
            eprintln!("cogtool: {}: {}", output, line);
        }
        if let Some(how) = &s.uploaded {
            eprintln!("cogtool: {}", how);
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
    fn part_specs() {
        let none = |_: &str| None;
        assert_eq!(super::parse_part("0/4", none).unwrap(), (0, 4));
        assert_eq!(super::parse_part("3/4", none).unwrap(), (3, 4));
        for bad in ["4/4", "1/0", "x/2", "2", "-1/3"] {
            assert!(super::parse_part(bad, none).is_err(), "{bad}");
        }
        let slurm = |v: &str| (v == "SLURM_ARRAY_TASK_ID").then(|| "2".to_string());
        assert_eq!(super::parse_part("auto/3", slurm).unwrap(), (2, 3));
        let k8s = |v: &str| (v == "JOB_COMPLETION_INDEX").then(|| "7".to_string());
        assert!(super::parse_part("auto/3", k8s).is_err(), "index beyond the count");
        let e = super::parse_part("auto/3", none).unwrap_err();
        assert!(e.message.contains("AWS_BATCH_JOB_ARRAY_INDEX"), "{}", e.message);
    }

    #[test]
    fn stdout_is_refused_only_on_a_terminal() {
        assert!(super::refuse_stdout("-", true));
        assert!(!super::refuse_stdout("-", false));
        assert!(!super::refuse_stdout("out.tif", true));
    }
}
