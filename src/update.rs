//! `stackgen update`'s plan: for every file of the last pristine render or the new one, what
//! merging the change between them into the working tree does, and then doing it.
//!
//! base = the last pristine render, ours = the file on disk, theirs = the new render.
//!
//! | base | theirs | ours on disk        | action                                             |
//! |------|--------|---------------------|----------------------------------------------------|
//! | B    | B      | anything            | nothing (stackgen changed nothing)                 |
//! | B    | T      | B (untouched)       | `update`: write T                                  |
//! | B    | T      | T                   | nothing (already so)                               |
//! | B    | T      | O (edited)          | `merge`, or `conflict` with markers                |
//! | B    | T      | missing (deleted)   | `stays_deleted`                                    |
//! | —    | T      | missing             | `add`                                              |
//! | —    | T      | O (a file of yours) | `conflict`: a two-way merge, never an overwrite     |
//! | B    | —      | B (untouched)       | `remove`                                           |
//! | B    | —      | O (edited)          | `keep`: left in place, reported                    |
//!
//! A binary file both sides changed is a `conflict` whose file on disk is left as it was.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::merge::{self, Labels, Merged};
use crate::render::Rendered;

/// What updating does to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    /// Untouched since generated: replaced by the new render.
    Update,
    /// Edited by you and changed by stackgen: both changes combined.
    Merge,
    /// New in this render.
    Add,
    /// No longer generated and untouched: deleted.
    Remove,
    /// No longer generated but edited by you: kept.
    Keep,
    /// Deleted by you and changed by stackgen: stays deleted.
    StaysDeleted,
    /// Both sides changed the same lines (or a binary file, or a file of yours at a new path).
    Conflict,
}

impl Action {
    pub fn name(self) -> &'static str {
        match self {
            Self::Update => "update",
            Self::Merge => "merge",
            Self::Add => "add",
            Self::Remove => "remove",
            Self::Keep => "keep",
            Self::StaysDeleted => "stays_deleted",
            Self::Conflict => "conflict",
        }
    }

    /// What the plain-text plan adds after the path, if anything.
    pub fn note(self) -> &'static str {
        match self {
            Self::Update => "",
            Self::Merge => "your changes kept",
            Self::Add => "new in this render",
            Self::Remove => "no longer generated, unchanged by you",
            Self::Keep => "no longer generated, but changed by you: kept",
            Self::StaysDeleted => "deleted by you, changed by stackgen: stays deleted",
            Self::Conflict => "you and stackgen changed the same lines",
        }
    }
}

/// One file's part of the plan.
#[derive(Debug, Clone)]
pub struct FileChange {
    pub path: String,
    pub action: Action,
    pub binary: bool,
    /// What the file becomes; `None` leaves it as it is (or, for `remove`, deletes it).
    pub content: Option<Vec<u8>>,
}

#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub changes: Vec<FileChange>,
}

impl Plan {
    pub fn conflicts(&self) -> impl Iterator<Item = &FileChange> {
        self.changes
            .iter()
            .filter(|change| change.action == Action::Conflict)
    }

    pub fn has_conflicts(&self) -> bool {
        self.conflicts().next().is_some()
    }

    pub fn count(&self, action: Action) -> usize {
        self.changes.iter().filter(|c| c.action == action).count()
    }
}

/// Works out the plan for the project in `dir`, computing every merge, writing nothing there.
pub fn plan(
    dir: &Path,
    base: &BTreeMap<String, Vec<u8>>,
    theirs: &Rendered,
    labels: &Labels,
) -> Result<Plan> {
    let paths: BTreeSet<&str> = base
        .keys()
        .map(String::as_str)
        .chain(theirs.files().map(|(path, _)| path))
        .collect();
    let mut changes = Vec::new();
    for path in paths {
        let ours = read_if_present(&dir.join(path))?;
        let base = base.get(path).map(Vec::as_slice);
        let new = theirs.get(path);
        if let Some(change) = decide(path, base, ours.as_deref(), new, labels)? {
            changes.push(change);
        }
    }
    Ok(Plan { changes })
}

fn decide(
    path: &str,
    base: Option<&[u8]>,
    ours: Option<&[u8]>,
    theirs: Option<&[u8]>,
    labels: &Labels,
) -> Result<Option<FileChange>> {
    let binary = [base, ours, theirs]
        .into_iter()
        .flatten()
        .any(merge::is_binary);
    let change = |action, content| {
        Some(FileChange {
            path: path.to_string(),
            action,
            binary,
            content,
        })
    };
    Ok(match (base, theirs, ours) {
        (None, None, _) => None,
        (Some(base), Some(theirs), _) if base == theirs => None,
        (_, Some(theirs), Some(ours)) if ours == theirs => None,
        (Some(base), Some(theirs), Some(ours)) if ours == base => {
            change(Action::Update, Some(theirs.to_vec()))
        }
        (Some(_), Some(_), None) => change(Action::StaysDeleted, None),
        (None, Some(theirs), None) => change(Action::Add, Some(theirs.to_vec())),
        (base, Some(theirs), Some(ours)) => {
            let merged = merge::three_way(base.unwrap_or_default(), ours, theirs, labels)
                .with_context(|| format!("cannot merge {path}"))?;
            match merged {
                Merged::Clean(bytes) => change(Action::Merge, Some(bytes)),
                Merged::Conflicted(bytes) => change(Action::Conflict, Some(bytes)),
                Merged::Binary => change(Action::Conflict, None),
            }
        }
        (Some(_), None, None) => None,
        (Some(base), None, Some(ours)) if ours == base => change(Action::Remove, None),
        (Some(_), None, Some(_)) => change(Action::Keep, None),
    })
}

fn read_if_present(path: &Path) -> Result<Option<Vec<u8>>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Carries the plan out in `dir`: writes merged and new files, deletes removed ones (and the
/// directories that leaves empty). If any step fails, the files already changed are put back
/// as they were, so a failed update changes nothing.
pub fn apply(dir: &Path, plan: &Plan) -> Result<()> {
    let mut done: Vec<(PathBuf, Option<Vec<u8>>)> = Vec::new();
    let outcome = plan
        .changes
        .iter()
        .try_for_each(|change| apply_one(dir, change, &mut done));
    if outcome.is_err() {
        for (path, original) in done.iter().rev() {
            let _ = match original {
                Some(bytes) => path
                    .parent()
                    .map_or(Ok(()), std::fs::create_dir_all)
                    .and_then(|()| std::fs::write(path, bytes)),
                None => std::fs::remove_file(path),
            };
        }
    }
    outcome
}

fn apply_one(
    dir: &Path,
    change: &FileChange,
    done: &mut Vec<(PathBuf, Option<Vec<u8>>)>,
) -> Result<()> {
    let path = dir.join(&change.path);
    match (&change.content, change.action) {
        (Some(bytes), _) => {
            let original = read_if_present(&path)?;
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create {}", parent.display()))?;
            }
            std::fs::write(&path, bytes)
                .with_context(|| format!("cannot write {}", path.display()))?;
            done.push((path, original));
        }
        (None, Action::Remove) => {
            let original = read_if_present(&path)?;
            std::fs::remove_file(&path)
                .with_context(|| format!("cannot remove {}", path.display()))?;
            remove_empty_parents(dir, &path);
            done.push((path, original));
        }
        (None, _) => {}
    }
    Ok(())
}

fn remove_empty_parents(dir: &Path, file: &Path) {
    let mut current = file.parent();
    while let Some(parent) = current {
        if parent == dir || !parent.starts_with(dir) || std::fs::remove_dir(parent).is_err() {
            break;
        }
        current = parent.parent();
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

    fn action(base: Option<&[u8]>, ours: Option<&[u8]>, theirs: Option<&[u8]>) -> Option<Action> {
        decide("f", base, ours, theirs, &labels())
            .expect("decides")
            .map(|change| change.action)
    }

    #[test]
    fn every_case_of_the_table() {
        let (b, t, o): (&[u8], &[u8], &[u8]) = (b"b\n", b"t\n", b"o\n");
        assert_eq!(action(Some(b), Some(o), Some(b)), None);
        assert_eq!(action(Some(b), None, Some(b)), None);
        assert_eq!(action(Some(b), Some(b), Some(t)), Some(Action::Update));
        assert_eq!(action(Some(b), Some(t), Some(t)), None);
        assert_eq!(action(Some(b), Some(o), Some(t)), Some(Action::Conflict));
        assert_eq!(action(Some(b), None, Some(t)), Some(Action::StaysDeleted));
        assert_eq!(action(None, None, Some(t)), Some(Action::Add));
        assert_eq!(action(None, Some(o), Some(t)), Some(Action::Conflict));
        assert_eq!(action(None, Some(t), Some(t)), None);
        assert_eq!(action(Some(b), Some(b), None), Some(Action::Remove));
        assert_eq!(action(Some(b), Some(o), None), Some(Action::Keep));
        assert_eq!(action(Some(b), None, None), None);
    }

    #[test]
    fn a_failed_apply_puts_back_what_it_had_changed() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("a.txt"), "old\n").expect("write");
        std::fs::create_dir(dir.path().join("gone")).expect("mkdir");
        std::fs::write(dir.path().join("gone/b.txt"), "b\n").expect("write");
        std::fs::write(dir.path().join("blocker"), "a file\n").expect("write");
        let change = |path: &str, action, content: Option<&str>| FileChange {
            path: path.into(),
            action,
            binary: false,
            content: content.map(|text| text.as_bytes().to_vec()),
        };
        let plan = Plan {
            changes: vec![
                change("a.txt", Action::Update, Some("new\n")),
                change("gone/b.txt", Action::Remove, None),
                change("new.txt", Action::Add, Some("new\n")),
                change("blocker/c.txt", Action::Add, Some("c\n")),
            ],
        };
        assert!(apply(dir.path(), &plan).is_err());
        let read = |path: &str| std::fs::read_to_string(dir.path().join(path)).ok();
        assert_eq!(read("a.txt").as_deref(), Some("old\n"));
        assert_eq!(read("gone/b.txt").as_deref(), Some("b\n"));
        assert_eq!(read("new.txt"), None);
        assert_eq!(read("blocker").as_deref(), Some("a file\n"));
    }

    #[test]
    fn a_binary_conflict_leaves_the_file_alone() {
        let change = decide("f", Some(b"\0b"), Some(b"\0o"), Some(b"\0t"), &labels())
            .expect("decides")
            .expect("a change");
        assert_eq!(change.action, Action::Conflict);
        assert!(change.binary);
        assert_eq!(change.content, None);
    }
}
