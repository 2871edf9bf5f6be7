//! The command line, as clap definitions only.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::settings::Override;
use crate::vcs::Vcs;

#[derive(Debug, Parser)]
#[command(
    name = "stackgen",
    version = crate::embedded::version(),
    about = "Generate a verified Rust API (axum + sqlx + PostgreSQL/CockroachDB + auth) with an honest CLAUDE.md",
    propagate_version = true
)]
pub struct Cli {
    /// Print only data and errors: no progress, no next steps
    #[arg(long, short, global = true)]
    pub quiet: bool,
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
    /// Show how a generated project differs from what this stackgen would generate now
    Diff(DiffArgs),
    /// Bring a generated project to this stackgen or other settings, keeping your edits
    ///
    /// Renders the project with this stackgen and the answers in .stackgen.yaml (changed by
    /// --set, --preset or --preset-file) and three-way merges what changed since the pristine
    /// render (the git ref refs/stackgen/pristine) into the working tree, leaving the result
    /// uncommitted for review. Exit status: 0 updated or up to date, 1 conflicts left in the
    /// files (resolve them, then `stackgen update --continue`) or a failed --verify, 2 refused
    /// or failed with nothing changed.
    Update(UpdateArgs),
    /// Print a shell completion script, e.g. `stackgen completions bash > ~/.local/share/bash-completion/completions/stackgen`
    Completions(CompletionsArgs),
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

/// Without NAME or a preset, `new` asks for them on a terminal (the wizard); elsewhere, or with
/// `--no-input`, it says which flags to pass.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// The project (crate) name, e.g. my-api
    pub name: Option<String>,
    /// An embedded preset (see `stackgen list`)
    #[arg(long, value_name = "PRESET", conflicts_with = "preset_file")]
    pub preset: Option<String>,
    /// A preset of your own, in YAML, built from the embedded template layers
    #[arg(long, value_name = "PATH")]
    pub preset_file: Option<PathBuf>,
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
    /// Never ask questions: anything missing is an error
    #[arg(long)]
    pub no_input: bool,
    /// Print a JSON manifest of the files written (path, size, SHA-256) instead of prose
    #[arg(long)]
    pub json: bool,
    /// Version control: `git` (the default) initialises a repository and commits the generated
    /// files (inside an existing work tree it commits nothing), and records the pristine render
    /// `stackgen update` merges against; `none` does neither
    #[arg(long, value_enum, value_name = "VCS")]
    pub vcs: Option<Vcs>,
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
    /// Print one JSON report (each preset's steps: status, seconds, output tail) instead of lines
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The generated project (the directory holding .stackgen.yaml)
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Exit with status 1 when there are differences (for CI)
    #[arg(long)]
    pub exit_code: bool,
}

/// `stackgen update`'s flags (the command's help text is on [`Command::Update`]).
#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// The generated project (the directory holding .stackgen.yaml)
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Change a setting (repeatable), as if it had been chosen on day one, e.g. --set http_port=9000
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<Override>,
    /// Move the project to another embedded preset
    #[arg(long, value_name = "PRESET", conflicts_with = "preset_file")]
    pub preset: Option<String>,
    /// Move the project to a preset of your own, in YAML
    #[arg(long, value_name = "PATH")]
    pub preset_file: Option<PathBuf>,
    /// Print what would be updated, merged, added, removed, kept or in conflict; write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Print a JSON report instead of prose
    #[arg(long)]
    pub json: bool,
    /// After a merge without conflicts, build, lint, format-check and test the project
    #[arg(long, conflicts_with = "dry_run")]
    pub verify: bool,
    /// The database `--verify`'s tests use [default: $DATABASE_URL, else a throwaway PostgreSQL]
    #[arg(long, value_name = "URL", requires = "verify")]
    pub database_url: Option<String>,
    /// Cargo target directory for `--verify` [default: the project's target/]
    #[arg(long, value_name = "DIR", env = "STACKGEN_TARGET_DIR")]
    pub target_dir: Option<PathBuf>,
    /// After resolving the conflicts of an update: record its render as the pristine one
    #[arg(
        long = "continue",
        conflicts_with_all = ["set", "preset", "preset_file", "dry_run", "record_pristine"]
    )]
    pub continue_update: bool,
    /// Record this stackgen's render of the recorded answers as the pristine render, touching
    /// no file (for a project whose pristine render is missing)
    #[arg(
        long,
        conflicts_with_all = ["set", "preset", "preset_file", "dry_run", "verify"]
    )]
    pub record_pristine: bool,
    /// With --record-pristine: record even though .stackgen.yaml names another stackgen version
    #[arg(long, requires = "record_pristine")]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}
