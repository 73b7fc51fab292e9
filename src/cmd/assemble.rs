//! `cogtool assemble OUTPUT`: write OUTPUT from the parts that
//! `create ... OUTPUT --part I/N` staged beside it. The request is rebuilt
//! from the command line the parts recorded, so every option (and global
//! option) is the parts' own.

use super::{End, Global, Status, Stop};
use crate::cli::{Cli, Command};
use clap::Parser;
use cogtool::create::options::CreateOptions;
use cogtool::create::parts::{self, Distributed};
use cogtool::create::run::Request;
use cogtool::{Cancel, Error};

pub fn run(g: &Global, a: crate::cli::AssembleArgs) -> End {
    let out = a.output;
    let Some((count, recipe)) = parts::staged_recipe(&out, &g.open_options()).map_err(Stop::usage)? else {
        // Nothing staged: a second assemble after a successful one.
        let exists = if cogtool::source::scheme(&out).is_cloud() {
            cogtool::source::object_exists(&out, &g.open_options()).map_err(Stop::usage)? == Some(true)
        } else {
            std::path::Path::new(&out).is_file()
        };
        if exists {
            if !g.quiet {
                eprintln!("cogtool: {}: already assembled (no {}.parts/ left)", out, out);
            }
            return Ok(Status::Ok);
        }
        return Err(Stop::usage(Error::usage(format!(
            "{}.parts/ not found: run `create ... {} --part I/N` first",
            out, out
        ))));
    };
    let cli = Cli::try_parse_from(&recipe).map_err(|e| {
        Stop::usage(Error::usage(format!("{}: the recorded command line no longer parses: {}", out, e)))
    })?;
    let Command::Create(c) = cli.command else {
        return Err(Stop::usage(Error::usage(format!("{}: the parts were not made by `create`", out))));
    };
    let (inputs, output) = c.inputs_and_output();
    if output != out || inputs.len() != 1 {
        return Err(Stop::usage(Error::usage(format!("{}: the parts were made for {}", out, output))));
    }
    let flags = c.flags();
    let mut options = CreateOptions::from_flags(&flags).map_err(Stop::usage)?;
    options.distributed = Some(Distributed::Assemble { count, input: String::new() });
    let pg = Global { quiet: cli.quiet || g.quiet, verbose: cli.verbose.max(g.verbose), remote: cli.remote };
    let request =
        Request { input: inputs[0].clone(), output: out.clone(), options, tiling: None, remote: pg.open_options() };
    let cancel = Cancel::new();
    super::signals::install(&cancel);
    let s = cogtool::create::run::create(&request, &mut cogtool::create::convert::NoProgress, &cancel)
        .map_err(|e| Stop::about(&out, e))?;
    super::create::report_done(&pg, &request.input, &out, &s);
    Ok(Status::Ok)
}
