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
use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::git::{Git, GitError, Identity};
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

    /// The pristine render of a project at the top of the repository in `dir`, such as one
    /// `git init` has just created.
    pub fn at_top(dir: &Path) -> Self {
        Self {
            git: Git::new(dir),
            prefix: String::new(),
            reference: REF_ROOT.to_string(),
        }
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
    ///
    /// One `git fast-import` writes every blob, the tree and the commit, and moves the ref
    /// (refusing if it no longer points at the parent read here), so recording costs a handful
    /// of git processes however many files the project has.
    pub fn record(&self, rendered: &Rendered, message: &str) -> Result<String> {
        let identity = self.git.identity()?;
        self.record_as(rendered, message, &identity)
    }

    /// [`Pristine::record`], committed as `identity`.
    pub fn record_as(
        &self,
        rendered: &Rendered,
        message: &str,
        identity: &Identity,
    ) -> Result<String> {
        if self.reference != REF_ROOT {
            self.check_reference()?;
        }
        let parent = self.git.resolve(&self.reference)?;
        let stream = import_stream(
            &self.reference,
            &identity.committer_now(),
            message,
            parent.as_deref(),
            rendered,
        );
        let commit = self
            .git
            .line_with(["fast-import", "--quiet", "--done"], Some(&stream))
            .with_context(|| format!("cannot record the pristine render in {}", self.reference))?;
        if commit.len() < 40 || !commit.bytes().all(|b| b.is_ascii_hexdigit()) {
            bail!("git recorded the pristine render but named its commit {commit:?}");
        }
        Ok(commit)
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
/// A `git fast-import` stream that commits exactly `rendered` onto `reference`, after `parent`.
fn import_stream(
    reference: &str,
    committer: &str,
    message: &str,
    parent: Option<&str>,
    rendered: &Rendered,
) -> Vec<u8> {
    let mut stream = Vec::new();
    let data = |stream: &mut Vec<u8>, bytes: &[u8]| {
        stream.extend_from_slice(format!("data {}\n", bytes.len()).as_bytes());
        stream.extend_from_slice(bytes);
        stream.push(b'\n');
    };
    stream.extend_from_slice(
        format!("commit {reference}\nmark :1\ncommitter {committer}\n").as_bytes(),
    );
    data(&mut stream, message.as_bytes());
    if let Some(parent) = parent {
        stream.extend_from_slice(format!("from {parent}\n").as_bytes());
    }
    stream.extend_from_slice(b"deleteall\n");
    for (path, bytes) in rendered.files() {
        stream.extend_from_slice(format!("M 100644 inline {}\n", quoted_path(path)).as_bytes());
        data(&mut stream, bytes);
    }
    // The new commit's id, printed on stdout.
    stream.extend_from_slice(b"\nget-mark :1\ndone\n");
    stream
}

/// `path` as fast-import reads it: as it is, or C-quoted when it starts with a quote or holds
/// a control character or a backslash.
fn quoted_path(path: &str) -> String {
    let plain = !path.starts_with('"') && !path.chars().any(|c| c.is_control() || c == '\\');
    if plain {
        return path.to_owned();
    }
    let mut quoted = String::from('"');
    for c in path.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\t' => quoted.push_str("\\t"),
            c if c.is_control() => quoted.push_str(&format!("\\{:03o}", u32::from(c))),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

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
    fn paths_fast_import_would_misread_are_quoted() {
        assert_eq!(quoted_path("src/main.rs"), "src/main.rs");
        assert_eq!(quoted_path("a \"b\".md"), "a \"b\".md");
        assert_eq!(quoted_path("\"odd"), "\"\\\"odd\"");
        assert_eq!(quoted_path("two\nlines"), "\"two\\nlines\"");
        assert_eq!(quoted_path("back\\slash"), "\"back\\\\slash\"");
    }

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
