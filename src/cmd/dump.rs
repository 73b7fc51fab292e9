//! `cogtool dump`: not built yet; its issue will replace this file.

use super::Global;

pub fn run(_g: &Global, _a: crate::cli::DumpArgs) -> i32 {
    eprintln!("cogtool: 'dump' is not implemented yet");
    super::EXIT_ERROR
}
