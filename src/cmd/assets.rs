//! `cogtool gen-assets DIR`: shell completions and man pages from the clap
//! definition, so they can never drift from the real options (a test
//! regenerates them and compares with the committed copies).

use super::{End, Status, Stop};
use crate::cli::Cli;
use clap::CommandFactory;
use std::path::Path;

pub fn run(dir: &Path) -> End {
    write_assets(dir).map_err(|e| Stop::about(dir.display().to_string(), e))?;
    Ok(Status::Ok)
}

fn write_assets(dir: &Path) -> std::io::Result<()> {
    let comp = dir.join("completions");
    let man = dir.join("man");
    std::fs::create_dir_all(&comp)?;
    std::fs::create_dir_all(&man)?;
    let mut cmd = Cli::command();
    for shell in [clap_complete::Shell::Bash, clap_complete::Shell::Zsh, clap_complete::Shell::Fish] {
        clap_complete::generate_to(shell, &mut cmd, "cogtool", &comp)?;
    }
    clap_mangen::generate_to(Cli::command(), &man)?;
    Ok(())
}
