use clap::Parser;

fn main() {
    let cli = cogtool::cli::Cli::parse();
    std::process::exit(cogtool::cmd::run(cli));
}
