use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Die quietly when a reader such as `head` closes the pipe, like other Unix tools, rather
    // than panicking in `println!`.
    // SAFETY: called first thing in main, before any thread exists; SIG_DFL is always valid.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
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
