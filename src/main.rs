//! The `cogtool` binary: parse the command line, run one subcommand, and
//! turn how it ended into an exit code. This file is the only place that
//! maps outcomes and errors to exit codes; the signal policy (SIGINT,
//! SIGTERM) lives beside it in `cmd/signals.rs`.

mod cli;
mod cmd;

use clap::Parser;
use cmd::{End, Status};
use cogtool::{Error, ErrorKind};

/// Everything asked for was done, and fine.
const EXIT_OK: i32 = 0;
/// Done, but the answer is "no": an invalid COG, a tile that does not exist.
const EXIT_NOT_OK: i32 = 1;
/// Bad usage, unreadable or non-TIFF input, an I/O failure.
const EXIT_ERROR: i32 = 2;

fn main() {
    one_malloc_arena();
    let cli = cli::Cli::parse();
    std::process::exit(exit_code(&cmd::run(cli)));
}

/// One glibc malloc arena for the whole process, set before any thread
/// starts. glibc gives each thread that contends for the heap an arena of
/// its own (up to 8 per core); the large row and tile buffers freed by one
/// pool thread and reallocated by another then stay mapped in several
/// arenas at once. With one arena the peak RSS of a 12288x12288 RGB create
/// fell from 159-164 MiB to 137 MiB at the same speed (small allocations
/// still come from per-thread caches without a lock); see
/// docs/benchmarks/2026-12-04-parts.md.
fn one_malloc_arena() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: called first in main, before any other thread exists;
    // mallopt only changes allocator settings.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

/// The exit code for how a subcommand ended (printing the error that
/// stopped it, if any).
fn exit_code(end: &End) -> i32 {
    match end {
        // A reader of stdout that went away (`| head`) is a normal end.
        Ok(Status::Ok | Status::ReaderLeft) => EXIT_OK,
        Ok(Status::NotOk) => EXIT_NOT_OK,
        Ok(Status::SomeFailed) => EXIT_ERROR,
        Err(stop) => {
            if stop.error.kind == ErrorKind::Interrupted {
                let code = cmd::signals::exit_code();
                eprintln!("cogtool: {}; {}", cmd::signals::what(code), stop.error);
                return code;
            }
            match &stop.subject {
                Some(s) => eprintln!("cogtool: {}: {}", s, stop.error),
                None => eprintln!("cogtool: {}", stop.error),
            }
            error_exit_code(&stop.error)
        }
    }
}

/// The exit code an error means: 1 when it is an answer (no such tile),
/// else 2.
fn error_exit_code(e: &Error) -> i32 {
    match e.kind {
        ErrorKind::NoSuchTile => EXIT_NOT_OK,
        _ => EXIT_ERROR,
    }
}

/// The status of a run in which one source failed with `e` (already
/// reported) and the others went on.
fn status_after(e: &Error) -> Status {
    if error_exit_code(e) == EXIT_NOT_OK { Status::NotOk } else { Status::SomeFailed }
}
