//! The pristine render: exactly what stackgen generated for a project, kept in git so a later
//! stackgen can merge its new render against it.
//!
//! It is a commit on `refs/stackgen/pristine` (for a project at the top of its repository) or
//! `refs/stackgen/projects/<path>/pristine` (for a project in a subdirectory `<path>` of a
//! bigger repository; the name ends in `/pristine` so that projects nested in each other's
//! directories get refs that do not collide), whose tree holds the rendered files with paths relative to the project. Each
//! update adds a commit whose parent is the previous pristine render. It is built with git
//! plumbing from the in-memory render, so neither the user's index nor their branch is touched.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::git::{Git, GitError};
use crate::render::Rendered;

/// The ref of a project at the top of its repository.
pub const REF_ROOT: &str = "refs/stackgen/pristine";
/// Where the refs of projects in subdirectories live.
pub const REF_PROJECTS: &str = "refs/stackgen/projects";

/// Where a project's pristine render lives.
#[derive(Debug, Clone)]
pub struct Pristine {
    git: Git,
    /// The project's path from the top of the repository (empty at the top).
    pub prefix: String,
    pub reference: String,
}

/// A recorded pristine render: its commit and its files.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub commit: String,
    pub files: BTreeMap<String, Vec<u8>>,
}

impl Pristine {
    /// The pristine render's location for the project in `dir`, or `None` when `dir` is in no
    /// git work tree.
    pub fn locate(dir: &Path) -> Result<Option<Self>, GitError> {
        let git = Git::new(dir);
        if git.toplevel()?.is_none() {
            return Ok(None);
        }
        let prefix = git.prefix()?;
        let reference = reference_for(&prefix);
        Ok(Some(Self {
            git,
            prefix,
            reference,
        }))
    }

    pub fn git(&self) -> &Git {
        &self.git
    }

    /// The recorded pristine render, if there is one.
    pub fn load(&self) -> Result<Option<Recorded>> {
        let Some(commit) = self.git.resolve(&self.reference)? else {
            return Ok(None);
        };
        let files = self
            .git
            .read_tree(&commit)
            .with_context(|| format!("cannot read the pristine render {}", self.reference))?;
        Ok(Some(Recorded { commit, files }))
    }

    /// Records `rendered` as the new pristine render, with the current one (if any) as parent,
    /// and returns the new commit.
    pub fn record(&self, rendered: &Rendered, message: &str) -> Result<String> {
        self.check_reference()?;
        let parent = self.git.resolve(&self.reference)?;
        let tree = self.write_tree(rendered)?;
        let mut args = self.git.identity_args()?;
        args.extend(["commit-tree".to_string(), tree, "-m".into(), message.into()]);
        if let Some(parent) = &parent {
            args.extend(["-p".to_string(), parent.clone()]);
        }
        let commit = self.git.line(&args)?;
        let old = parent.unwrap_or_default();
        self.git
            .run([
                "update-ref",
                "-m",
                "stackgen: record the pristine render",
                &self.reference,
                &commit,
                &old,
            ])
            .with_context(|| format!("cannot point {} at the new render", self.reference))?;
        Ok(commit)
    }

    /// Writes a tree holding exactly `rendered`, through a temporary index.
    fn write_tree(&self, rendered: &Rendered) -> Result<String> {
        let scratch = tempfile::Builder::new()
            .prefix("stackgen-index-")
            .tempdir()
            .context("cannot create a temporary directory for git's index")?;
        let index: PathBuf = scratch.path().join("index");
        let mut listing = Vec::new();
        for (path, bytes) in rendered.files() {
            let blob = self.git.hash_blob(bytes)?;
            listing.extend_from_slice(format!("100644 {blob}\t{path}").as_bytes());
            listing.push(0);
        }
        let git = self.git.with_index(&index);
        git.run_with(["update-index", "-z", "--index-info"], Some(&listing))?;
        Ok(git.line(["write-tree"])?)
    }

    fn check_reference(&self) -> Result<()> {
        let output = self
            .git
            .output_with(["check-ref-format", &self.reference], None)?;
        if !output.status.success() {
            bail!(
                "the project's path `{}` cannot name a git ref ({})\n  hint: move the project to a directory whose name has no spaces, `..`, `~`, `^`, `:` or trailing `.lock`",
                self.prefix,
                self.reference
            );
        }
        Ok(())
    }
}

/// The ref for a project at `prefix` (its path from the top of the repository).
pub fn reference_for(prefix: &str) -> String {
    if prefix.is_empty() {
        REF_ROOT.to_string()
    } else {
        format!("{REF_PROJECTS}/{prefix}/pristine")
    }
}

/// The message of a pristine commit.
pub fn message(preset: &str) -> String {
    format!(
        "Pristine render by stackgen {} (preset {preset})",
        env!("CARGO_PKG_VERSION")
    )
}

/// Whether a recorded render holds exactly the files of `rendered`.
pub fn same_files(recorded: &BTreeMap<String, Vec<u8>>, rendered: &Rendered) -> bool {
    recorded.len() == rendered.len()
        && rendered
            .files()
            .all(|(path, bytes)| recorded.get(path).map(Vec::as_slice) == Some(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_project_at_the_top_uses_the_root_ref_and_others_add_their_path() {
        assert_eq!(reference_for(""), "refs/stackgen/pristine");
        assert_eq!(
            reference_for("services/billing"),
            "refs/stackgen/projects/services/billing/pristine"
        );
        assert_eq!(
            reference_for("services/billing/pristine"),
            "refs/stackgen/projects/services/billing/pristine/pristine"
        );
    }
}
