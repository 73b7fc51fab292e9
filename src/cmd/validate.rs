//! `cogtool validate`: not built yet; its issue will replace this file.

use super::Global;

pub fn run(_g: &Global, _a: crate::cli::ValidateArgs) -> i32 {
    eprintln!("cogtool: 'validate' is not implemented yet");
    super::EXIT_ERROR
}
