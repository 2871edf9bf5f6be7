//! How stackgen talks: data on stdout, diagnostics on stderr, colour only on a terminal and
//! never when `NO_COLOR` is set, and with `--quiet` nothing but data and errors.

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
            println!("{text}");
        }
    }

    /// A note about the run on stderr, unless `--quiet`.
    pub fn note(&self, text: &str) {
        if !self.quiet {
            eprintln!("{text}");
        }
    }
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
