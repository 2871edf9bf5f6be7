use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = stackgen::cli::Cli::parse();
    match stackgen::commands::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}
