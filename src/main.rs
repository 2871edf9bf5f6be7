use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    stackgen::output::init_colour();
    let cli = stackgen::cli::Cli::parse();
    match stackgen::commands::run(cli) {
        Ok(code) => code,
        Err(err) => {
            stackgen::output::print_error(&err);
            ExitCode::FAILURE
        }
    }
}
