//! One thin file per subcommand: turn the parsed arguments into library
//! calls and print the answers. Each returns an [`End`]; `main.rs` alone
//! turns that into an exit code. This file holds what they share.

pub mod assemble;
pub mod assets;
pub mod create;
pub mod dump;
pub mod info;
pub mod signals;
pub mod sources;
pub mod validate;

use crate::cli::{Cli, Command};
use cogtool::Error;

/// How a subcommand that ran to its end went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// Everything asked for was done, and fine.
    Ok,
    /// Stdout's reader went away (`| head`): a normal end.
    ReaderLeft,
    /// Done, but the answer is "no" for some source (an invalid COG, a
    /// tile that does not exist), each already reported.
    NotOk,
    /// Some sources could not be read or written (each already reported);
    /// the others were done.
    SomeFailed,
}

/// Why a subcommand stopped early: the error and what it is about (a file
/// or URL; `None` for a usage error about the command line itself).
#[derive(Debug)]
pub struct Stop {
    pub subject: Option<String>,
    pub error: Error,
}

impl Stop {
    /// An error about `subject` (a file, a URL, a directory).
    pub fn about(subject: impl Into<String>, error: impl Into<Error>) -> Stop {
        Stop { subject: Some(subject.into()), error: error.into() }
    }
    /// A usage error: about the command line, not about any file it names.
    pub fn usage(error: impl Into<Error>) -> Stop {
        Stop { subject: None, error: error.into() }
    }
}

/// How a subcommand ended.
pub type End = Result<Status, Stop>;

/// Settings every subcommand receives.
#[derive(Debug, Clone)]
pub struct Global {
    pub quiet: bool,
    pub verbose: u8,
    /// Remote-source options.
    pub remote: crate::cli::RemoteArgs,
}

impl Global {
    pub fn open_options(&self) -> cogtool::source::OpenOptions {
        let mut o = cogtool::source::OpenOptions { verbose: self.verbose > 0, ..Default::default() };
        self.remote.apply(&mut o);
        o
    }
}

pub fn run(cli: Cli) -> End {
    let g = Global { quiet: cli.quiet, verbose: cli.verbose, remote: cli.remote };
    match cli.command {
        Command::Info(a) => info::run(&g, a),
        Command::Validate(a) => validate::run(&g, a),
        Command::Dump(a) => dump::run(&g, a),
        Command::Create(a) => create::run(&g, a),
        Command::Assemble(a) => assemble::run(&g, a),
        Command::GenAssets { dir } => assets::run(&dir),
    }
}

/// How a run ends after writing to stdout failed: a reader that went away
/// is a normal end, anything else an I/O failure.
pub fn stdout_failed(e: std::io::Error) -> End {
    if e.kind() == std::io::ErrorKind::BrokenPipe { Ok(Status::ReaderLeft) } else { Err(Stop::about("stdout", e)) }
}

/// Print `cogtool: SOURCE: message` on stderr (warnings, and failures of
/// one source among many).
pub fn report(source: &str, message: impl std::fmt::Display) {
    eprintln!("cogtool: {}: {}", source, message);
}
