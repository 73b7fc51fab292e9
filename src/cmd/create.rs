//! `cogtool create`: not built yet; its issue will replace this file.

use super::Global;

pub fn run(_g: &Global, _a: crate::cli::CreateArgs) -> i32 {
    eprintln!("cogtool: 'create' is not implemented yet");
    super::EXIT_ERROR
}
