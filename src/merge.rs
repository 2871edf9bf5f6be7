//! One file's three-way merge, by git's own machinery (`git merge-file`) on temporary copies, so
//! the result and its conflict markers are exactly what git would give.

use anyhow::{Context, Result, bail};

use crate::git::Git;

/// The names conflict markers carry: `<<<<<<< yours`, `||||||| pristine …`, `>>>>>>> stackgen …`.
#[derive(Debug, Clone)]
pub struct Labels {
    pub ours: String,
    pub base: String,
    pub theirs: String,
}

/// What merging one file gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Merged {
    /// Both sides' changes, combined without conflict.
    Clean(Vec<u8>),
    /// The combined text with standard conflict markers where the sides disagree.
    Conflicted(Vec<u8>),
    /// A binary file both sides changed differently: git does not merge those, nor does stackgen.
    Binary,
}

/// Lines that start a conflict marker stackgen writes (`<<<<<<< ` or `>>>>>>> `).
pub fn has_conflict_markers(bytes: &[u8]) -> bool {
    bytes
        .split(|b| *b == b'\n')
        .any(|line| line.starts_with(b"<<<<<<< ") || line.starts_with(b">>>>>>> "))
}

/// Whether git would treat the content as binary (a NUL byte in its first 8000 bytes).
pub fn is_binary(bytes: &[u8]) -> bool {
    bytes.iter().take(8000).any(|b| *b == 0)
}

/// Merges the change from `base` to `theirs` into `ours`.
pub fn three_way(base: &[u8], ours: &[u8], theirs: &[u8], labels: &Labels) -> Result<Merged> {
    if ours == theirs {
        return Ok(Merged::Clean(ours.to_vec()));
    }
    if ours == base {
        return Ok(Merged::Clean(theirs.to_vec()));
    }
    if theirs == base {
        return Ok(Merged::Clean(ours.to_vec()));
    }
    if is_binary(base) || is_binary(ours) || is_binary(theirs) {
        return Ok(Merged::Binary);
    }
    let scratch = tempfile::Builder::new()
        .prefix("stackgen-merge-")
        .tempdir()
        .context("cannot create a temporary directory for the merge")?;
    for (name, bytes) in [("ours", ours), ("base", base), ("theirs", theirs)] {
        let path = scratch.path().join(name);
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    }
    let git = Git::new(scratch.path());
    let output = git.output_with(
        [
            "merge-file",
            "-p",
            "-L",
            &labels.ours,
            "-L",
            &labels.base,
            "-L",
            &labels.theirs,
            "ours",
            "base",
            "theirs",
        ],
        None,
    )?;
    // The status is the number of conflicts (at most 127); anything else is git failing.
    match output.status.code() {
        Some(0) => Ok(Merged::Clean(output.stdout)),
        Some(1..=127) => Ok(Merged::Conflicted(output.stdout)),
        _ => bail!(
            "`git merge-file` failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> Labels {
        Labels {
            ours: "yours".into(),
            base: "pristine".into(),
            theirs: "stackgen".into(),
        }
    }

    #[test]
    fn changes_in_different_places_combine() {
        let base = b"a\nb\nc\nd\ne\nf\n";
        let ours = b"A\nb\nc\nd\ne\nf\n";
        let theirs = b"a\nb\nc\nd\ne\nF\n";
        let merged = three_way(base, ours, theirs, &labels()).expect("merges");
        assert_eq!(merged, Merged::Clean(b"A\nb\nc\nd\ne\nF\n".to_vec()));
    }

    #[test]
    fn changes_to_the_same_line_conflict_with_standard_markers() {
        let merged = three_way(b"x\n", b"mine\n", b"new\n", &labels()).expect("merges");
        let Merged::Conflicted(text) = merged else {
            panic!("expected a conflict, got {merged:?}");
        };
        let text = String::from_utf8(text).expect("text");
        assert_eq!(
            text,
            "<<<<<<< yours\nmine\n=======\nnew\n>>>>>>> stackgen\n"
        );
        assert!(has_conflict_markers(text.as_bytes()));
    }

    #[test]
    fn binary_files_are_never_merged() {
        let merged = three_way(b"\0a", b"\0b", b"\0c", &labels()).expect("decides");
        assert_eq!(merged, Merged::Binary);
        let same = three_way(b"\0a", b"\0b", b"\0a", &labels()).expect("decides");
        assert_eq!(same, Merged::Clean(b"\0b".to_vec()));
    }
}
