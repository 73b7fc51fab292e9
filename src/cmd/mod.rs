//! One thin file per subcommand: parse options, call the library, print.
//! This file holds what they share: exit codes and error printing.

pub mod assets;
pub mod create;
pub mod dump;
pub mod info;
pub mod signals;
pub mod validate;

use crate::cli::{Cli, Command};

/// Exit codes, the same for every subcommand.
pub const EXIT_OK: i32 = 0;
/// The input is not what the command needs (not a valid COG, no such tile).
pub const EXIT_NOT_OK: i32 = 1;
/// Usage error, unreadable or non-TIFF input, I/O failure.
pub const EXIT_ERROR: i32 = 2;

/// Settings every subcommand receives.
#[derive(Debug, Clone)]
pub struct Global {
    pub quiet: bool,
    pub verbose: u8,
    /// Remote-source options.
    pub remote: crate::cli::RemoteArgs,
}

impl Global {
    pub fn open_options(&self) -> crate::source::OpenOptions {
        let mut o = crate::source::OpenOptions { verbose: self.verbose > 0, ..Default::default() };
        self.remote.apply(&mut o);
        o
    }
}

pub fn run(cli: Cli) -> i32 {
    let g = Global { quiet: cli.quiet, verbose: cli.verbose, remote: cli.remote };
    match cli.command {
        Command::Info(a) => info::run(&g, a),
        Command::Validate(a) => validate::run(&g, a),
        Command::Dump(a) => dump::run(&g, a),
        Command::Create(a) => create::run(&g, a),
        Command::GenAssets { dir } => assets::run(&dir),
    }
}

/// The exit code after stdout failed: a reader that went away (`| head`)
/// is a normal end, anything else an I/O failure.
pub fn stdout_failed(e: &std::io::Error) -> i32 {
    if e.kind() == std::io::ErrorKind::BrokenPipe { EXIT_OK } else { EXIT_ERROR }
}

/// Print `cogtool: SOURCE: message` on stderr.
pub fn report(source: &str, message: impl std::fmt::Display) {
    eprintln!("cogtool: {}: {}", source, message);
}

/// Print `cogtool: message` on stderr: for option and usage errors, which
/// are about the command line, not about any file it names.
pub fn report_usage(message: impl std::fmt::Display) {
    eprintln!("cogtool: {}", message);
}
