//! How stackgen talks: data on stdout, diagnostics on stderr, colour only on a terminal and
//! never when `NO_COLOR` is set, and with `--quiet` nothing but data and errors.

use std::io::{self, Write};

use anyhow::{Context, Result};
use console::style;

/// What every command may print besides its data.
#[derive(Debug, Clone, Copy)]
pub struct Ui {
    pub quiet: bool,
}

impl Ui {
    /// Human-readable progress and results on stdout, unless `--quiet`.
    pub fn say(&self, text: &str) {
        if !self.quiet {
            say_line(text);
        }
    }

    /// A note about the run on stderr, unless `--quiet`.
    pub fn note(&self, text: &str) {
        if !self.quiet {
            eprintln!("{text}");
        }
    }
}

/// Writes a command's data to stdout. A reader that stops early (`stackgen list | head`) is
/// not an error: the rest is dropped and the command carries on.
pub fn data(text: impl AsRef<[u8]>) -> Result<()> {
    let mut stdout = io::stdout().lock();
    match stdout
        .write_all(text.as_ref())
        .and_then(|()| stdout.flush())
    {
        Err(err) if err.kind() != io::ErrorKind::BrokenPipe => {
            Err(err).context("cannot write to standard output")
        }
        _ => Ok(()),
    }
}

/// Writes `value` to stdout as pretty-printed JSON and a newline.
pub fn json(value: &impl serde::Serialize) -> Result<()> {
    let mut text = serde_json::to_string_pretty(value).context("cannot serialise the report")?;
    text.push('\n');
    data(text)
}

/// Writes a line of prose to stdout. Prose is not worth failing a command over, so a closed
/// or broken stdout is ignored.
pub fn say_line(text: &str) {
    let mut stdout = io::stdout().lock();
    let _ = writeln!(stdout, "{text}").and_then(|()| stdout.flush());
}

/// Applies `NO_COLOR` (any non-empty value) to everything stackgen draws. console already
/// leaves colour off when the stream is not a terminal.
pub fn init_colour() {
    if no_color_requested() {
        console::set_colors_enabled(false);
        console::set_colors_enabled_stderr(false);
    }
}

pub fn no_color_requested() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty())
}

/// Whether text written to stderr may carry colour.
pub fn stderr_colour() -> bool {
    console::colors_enabled_stderr()
}

/// Prints an error and its causes on stderr.
pub fn print_error(err: &anyhow::Error) {
    eprintln!("{} {err}", style("error:").red().bold().for_stderr());
    for cause in err.chain().skip(1) {
        eprintln!("  caused by: {cause}");
    }
}

/// `ok` in green or `FAILED` in red, padded to one column width before colouring.
pub fn status_word(passed: bool) -> String {
    if passed {
        style(format!("{:<7}", "ok")).green().to_string()
    } else {
        style(format!("{:<7}", "FAILED")).red().bold().to_string()
    }
}
