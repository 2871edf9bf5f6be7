//! One function per subcommand; each turns parsed arguments into output and an exit code.

mod claude_md;
mod completions;
mod diff;
mod list;
mod new;
mod show;
mod update;
mod verify;

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{Cli, Command, PresetChoice};
use crate::output::Ui;
use crate::preset::{self, LoadedPreset};

pub fn run(cli: Cli) -> Result<ExitCode> {
    let ui = Ui { quiet: cli.quiet };
    match cli.command {
        Command::New(args) => new::run(args, ui),
        Command::List(args) => list::run(&args),
        Command::Show(args) => show::run(&args),
        Command::ClaudeMd(args) => claude_md::run(&args),
        Command::Verify(args) => verify::run(args, ui),
        Command::Diff(args) => Ok(diff::run(&args, ui)),
        Command::Update(args) => Ok(update::run(args, ui)),
        Command::Completions(args) => completions::run(&args),
    }
}

/// Loads the preset named by `--preset` or `--preset-file`.
fn load_preset(choice: &PresetChoice) -> Result<LoadedPreset> {
    let loaded = match (&choice.preset, &choice.preset_file) {
        (_, Some(path)) => preset::load_file(path)?,
        (Some(name), None) => preset::load_embedded(name)?,
        (None, None) => anyhow::bail!("pass --preset NAME or --preset-file PATH"),
    };
    Ok(loaded)
}
