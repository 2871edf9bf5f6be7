//! The command line, as clap definitions only.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::settings::Override;

#[derive(Debug, Parser)]
#[command(
    name = "stackgen",
    version,
    about = "Generate a verified Rust API (axum + sqlx + PostgreSQL/CockroachDB + auth) with an honest CLAUDE.md",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate a new project from a preset
    New(NewArgs),
    /// List the presets
    List(ListArgs),
    /// Describe a preset: what it is for, its settings and the files it generates
    Show(ShowArgs),
    /// Print (or write) only the CLAUDE.md a preset would generate
    ClaudeMd(ClaudeMdArgs),
    /// Generate presets into a temporary directory, then build, lint and test them
    Verify(VerifyArgs),
}

/// Which preset: an embedded one by name, or a user's YAML file.
#[derive(Debug, Clone, Args)]
#[group(required = true, multiple = false)]
pub struct PresetChoice {
    /// An embedded preset (see `stackgen list`)
    #[arg(long, value_name = "PRESET")]
    pub preset: Option<String>,
    /// A preset of your own, in YAML, built from the embedded template layers
    #[arg(long, value_name = "PATH")]
    pub preset_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// The project (crate) name, e.g. my-api
    pub name: String,
    #[command(flatten)]
    pub preset: PresetChoice,
    /// Where to create the project [default: ./NAME]
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Override a preset setting (repeatable), e.g. --set http_port=3000
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<Override>,
    /// Write into a non-empty directory, overwriting only the files stackgen generates
    #[arg(long)]
    pub force: bool,
    /// Print the files that would be written (path and size) and write nothing
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print JSON instead of a table
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[group(required = true, multiple = false, id = "which")]
pub struct ShowArgs {
    /// An embedded preset name
    #[arg(group = "which")]
    pub preset: Option<String>,
    /// A preset of your own, in YAML
    #[arg(long, value_name = "PATH", group = "which")]
    pub preset_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ClaudeMdArgs {
    #[command(flatten)]
    pub preset: PresetChoice,
    /// The project name the file refers to
    #[arg(long, default_value = "my-api")]
    pub name: String,
    /// Override a preset setting (repeatable)
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<Override>,
    /// Write to FILE instead of standard output
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A preset to verify (repeatable)
    #[arg(long, value_name = "PRESET")]
    pub preset: Vec<String>,
    /// A preset file of your own to verify (repeatable)
    #[arg(long, value_name = "PATH")]
    pub preset_file: Vec<PathBuf>,
    /// Verify every embedded preset
    #[arg(long, conflicts_with = "preset")]
    pub all: bool,
    /// Keep the generated projects and print where they are
    #[arg(long)]
    pub keep: bool,
    /// The database the generated tests use [default: $DATABASE_URL, else a throwaway PostgreSQL]
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// Cargo target directory shared by every generated project and run
    #[arg(long, value_name = "DIR", env = "STACKGEN_TARGET_DIR")]
    pub target_dir: Option<PathBuf>,
}
