//! What `stackgen new` does with version control: like `cargo new`, a fresh project gets its own
//! git repository and a first commit; inside an existing work tree the repository's history is
//! left alone. Either way the pristine render is recorded (see [`crate::pristine`]), so a later
//! `stackgen update` can merge against it.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::git::{Git, GitError, Identity};
use crate::pristine::{self, Pristine};
use crate::render::Rendered;

/// `new --vcs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Vcs {
    /// A git repository with the generated tree committed, and the pristine render recorded
    Git,
    /// No repository and no pristine render
    None,
}

/// What `new` will do, decided before anything is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// `--vcs none`.
    Skip,
    /// git is not installed and `--vcs` was not given: generate, and say how to record later.
    Unavailable,
    /// `git init` the project and commit the generated files.
    FreshRepository,
    /// The target is inside the work tree rooted at this directory: record the pristine render
    /// there, commit nothing.
    ExistingRepository(PathBuf),
}

/// What was done, for the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    Nothing,
    Initialised {
        reference: String,
    },
    InExisting {
        toplevel: PathBuf,
        reference: String,
    },
}

/// Decides, without writing anything, what version control `new` gives a project at `target`.
pub fn decide(target: &Path, vcs: Option<Vcs>) -> Result<Decision> {
    if vcs == Some(Vcs::None) {
        return Ok(Decision::Skip);
    }
    let absolute = std::path::absolute(target)
        .with_context(|| format!("cannot resolve {}", target.display()))?;
    // Where git would look for a repository: the nearest directory that exists.
    let existing = absolute
        .ancestors()
        .find(|dir| dir.is_dir())
        .unwrap_or(&absolute);
    // Asking git where the work tree is also tells whether git can be run at all.
    match Git::new(existing).toplevel() {
        Ok(Some(toplevel)) => Ok(Decision::ExistingRepository(toplevel)),
        Ok(None) => Ok(Decision::FreshRepository),
        Err(GitError::NotInstalled) if vcs == Some(Vcs::Git) => bail!(
            "--vcs git was given but git is not installed (or not on PATH); nothing was written\n  hint: install git, or pass --vcs none to generate without a repository"
        ),
        Err(GitError::NotInstalled) => Ok(Decision::Unavailable),
        Err(error) => Err(error.into()),
    }
}

/// Carries out `decision` for the project just written to `target`.
pub fn record(
    decision: &Decision,
    target: &Path,
    rendered: &Rendered,
    preset: &str,
) -> Result<Recorded> {
    match decision {
        Decision::Skip | Decision::Unavailable => Ok(Recorded::Nothing),
        Decision::FreshRepository => {
            let git = Git::new(target);
            git.run(["init", "-q"])
                .context("cannot create the project's git repository")?;
            let identity = git.identity()?;
            let pristine = Pristine::at_top(target);
            pristine.record_as(rendered, &pristine::message(preset), &identity)?;
            commit_generated(&git, rendered, preset, &identity)?;
            Ok(Recorded::Initialised {
                reference: pristine.reference,
            })
        }
        Decision::ExistingRepository(toplevel) => {
            let pristine = locate(target)?;
            pristine.record(rendered, &pristine::message(preset))?;
            Ok(Recorded::InExisting {
                toplevel: toplevel.clone(),
                reference: pristine.reference,
            })
        }
    }
}

fn locate(target: &Path) -> Result<Pristine> {
    Pristine::locate(target)?.with_context(|| {
        format!(
            "{} is not in a git work tree after all; cannot record the pristine render",
            target.display()
        )
    })
}

/// The first commit of a fresh repository: the generated files, and nothing else that was
/// already in the directory.
fn commit_generated(
    git: &Git,
    rendered: &Rendered,
    preset: &str,
    identity: &Identity,
) -> Result<()> {
    let mut pathspecs = Vec::new();
    for (path, _) in rendered.files() {
        pathspecs.extend_from_slice(path.as_bytes());
        pathspecs.push(0);
    }
    git.run_with(
        [
            "--literal-pathspecs",
            "add",
            "--pathspec-from-file=-",
            "--pathspec-file-nul",
        ],
        Some(&pathspecs),
    )
    .context("cannot stage the generated files")?;
    // git's automatic maintenance has nothing to do in a repository one commit old.
    let mut args = identity.config_args();
    args.extend(["-c".to_string(), "maintenance.auto=false".to_string()]);
    let message = format!(
        "Generated by stackgen {} (preset {preset})",
        env!("CARGO_PKG_VERSION")
    );
    args.extend(
        ["commit", "-q", "--no-verify", "-m", &message]
            .into_iter()
            .map(String::from),
    );
    git.run(&args)
        .context("cannot commit the generated files")?;
    Ok(())
}
