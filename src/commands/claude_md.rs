use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::cli::ClaudeMdArgs;
use crate::context::Request;
use crate::project_name::ProjectName;
use crate::{output, render};

const CLAUDE_MD: &str = "CLAUDE.md";

pub fn run(args: &ClaudeMdArgs) -> Result<ExitCode> {
    let name = ProjectName::parse(&args.name).context("invalid --name")?;
    let preset = super::load_preset(&args.preset)?;
    let request = Request::new(name, preset, &args.set)?;
    let text = render::render_one(&request, CLAUDE_MD)?;
    match &args.output {
        Some(path) => {
            write_atomically(path, &text)?;
            eprintln!("wrote {}", path.display());
        }
        None => output::data(&text)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes through a temporary file in the same directory, so a failure leaves the old file.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    if path.is_dir() {
        anyhow::bail!(
            "{} is a directory\n  hint: give a file path, e.g. {}/CLAUDE.md",
            path.display(),
            path.display()
        );
    }
    let mut file = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write into {}", dir.display()))?;
    file.write_all(bytes)?;
    file.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
