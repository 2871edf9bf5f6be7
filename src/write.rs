//! Putting a rendered tree on disk: all of it or none of it.
//!
//! A new project is written into a staging directory beside the target and renamed into place.
//! With `--force` into an existing directory, every file is staged first, then each target file
//! is swapped in after its original is moved aside; any failure puts the originals back.

use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use crate::render::Rendered;

/// How many existing entries an error lists before saying "and N more".
const SHOWN_CONFLICTS: usize = 5;

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(
        "{} already exists and is not empty ({})\n  hint: choose another name or --dir, or pass --force to overwrite the {files} files stackgen writes (other files are kept)",
        .target.display(), .entries
    )]
    NotEmpty {
        target: PathBuf,
        entries: String,
        files: usize,
    },
    #[error("{} exists and is not a directory\n  hint: choose another name or --dir", .0.display())]
    NotADirectory(PathBuf),
    #[error("{} is a directory in the way of a file stackgen writes\n  hint: move it away, or choose another --dir", .0.display())]
    DirectoryInTheWay(PathBuf),
    #[error("{} has no parent directory to stage the project in", .0.display())]
    NoParent(PathBuf),
    #[error("{action} {}: {source}", .path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> WriteError {
    let path = path.to_path_buf();
    move |source| WriteError::Io {
        action,
        path,
        source,
    }
}

/// What writing will do, or did, to each file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Create,
    Overwrite,
}

/// The per-file outcome of a write (or of a dry run).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub target: PathBuf,
    pub files: Vec<(String, usize, Change)>,
}

impl Plan {
    pub fn overwritten(&self) -> impl Iterator<Item = &str> {
        self.files
            .iter()
            .filter(|(_, _, change)| *change == Change::Overwrite)
            .map(|(path, _, _)| path.as_str())
    }
}

/// Checks the target and works out what writing would do, without writing anything.
pub fn plan(rendered: &Rendered, target: &Path, force: bool) -> Result<Plan, WriteError> {
    let target = absolute(target)?;
    let existing = existing_entries(&target)?;
    if !existing.is_empty() && !force {
        let mut shown: Vec<String> = existing.iter().take(SHOWN_CONFLICTS).cloned().collect();
        if existing.len() > SHOWN_CONFLICTS {
            shown.push(format!("and {} more", existing.len() - SHOWN_CONFLICTS));
        }
        return Err(WriteError::NotEmpty {
            target,
            entries: shown.join(", "),
            files: rendered.len(),
        });
    }
    let mut files = Vec::with_capacity(rendered.len());
    for (path, bytes) in rendered.files() {
        let destination = target.join(path);
        for ancestor in Path::new(path).ancestors().skip(1) {
            let dir = target.join(ancestor);
            if dir.is_file() {
                return Err(WriteError::NotADirectory(dir));
            }
        }
        let change = match fs::symlink_metadata(&destination) {
            Ok(meta) if meta.is_dir() => return Err(WriteError::DirectoryInTheWay(destination)),
            Ok(_) => Change::Overwrite,
            Err(_) => Change::Create,
        };
        files.push((path.to_string(), bytes.len(), change));
    }
    Ok(Plan { target, files })
}

/// Writes the tree to `target`, atomically for a new project.
pub fn write(rendered: &Rendered, target: &Path, force: bool) -> Result<Plan, WriteError> {
    let plan = plan(rendered, target, force)?;
    let parent = plan
        .target
        .parent()
        .ok_or_else(|| WriteError::NoParent(plan.target.clone()))?
        .to_path_buf();
    let created_parents = create_missing(&parent)?;
    let result = if existing_entries(&plan.target)?.is_empty() {
        write_fresh(rendered, &plan.target, &parent)
    } else {
        write_into_existing(rendered, &plan.target, &parent)
    };
    if result.is_err() {
        for dir in created_parents.iter().rev() {
            let _ = fs::remove_dir(dir);
        }
    }
    result.map(|()| plan)
}

fn write_fresh(rendered: &Rendered, target: &Path, parent: &Path) -> Result<(), WriteError> {
    let staging = staging_dir(target, parent)?;
    write_tree(rendered, staging.path())?;
    if target.exists() {
        fs::remove_dir(target).map_err(io_error("cannot replace the empty directory", target))?;
    }
    let staged = staging.keep();
    fs::rename(&staged, target).map_err(|source| {
        let _ = fs::remove_dir_all(&staged);
        WriteError::Io {
            action: "cannot move the project into place at",
            path: target.to_path_buf(),
            source,
        }
    })
}

fn write_into_existing(
    rendered: &Rendered,
    target: &Path,
    parent: &Path,
) -> Result<(), WriteError> {
    let staging = staging_dir(target, parent)?;
    let new_files = staging.path().join("new");
    let backups = staging.path().join("originals");
    write_tree(rendered, &new_files)?;
    let mut swapped: Vec<(PathBuf, Option<PathBuf>)> = Vec::new();
    let mut created_dirs: Vec<PathBuf> = Vec::new();
    let outcome = (|| {
        for (path, _) in rendered.files() {
            let destination = target.join(path);
            if let Some(dir) = destination.parent() {
                created_dirs.extend(create_missing(dir)?);
            }
            let backup = if destination.exists() {
                let backup = backups.join(path);
                if let Some(dir) = backup.parent() {
                    fs::create_dir_all(dir).map_err(io_error("cannot create", dir))?;
                }
                fs::rename(&destination, &backup)
                    .map_err(io_error("cannot move aside", &destination))?;
                Some(backup)
            } else {
                None
            };
            swapped.push((destination.clone(), backup));
            fs::rename(new_files.join(path), &destination)
                .map_err(io_error("cannot write", &destination))?;
        }
        Ok(())
    })();
    if outcome.is_err() {
        for (destination, backup) in swapped.iter().rev() {
            let _ = fs::remove_file(destination);
            if let Some(backup) = backup {
                let _ = fs::rename(backup, destination);
            }
        }
        for dir in created_dirs.iter().rev() {
            let _ = fs::remove_dir(dir);
        }
    }
    outcome
}

fn staging_dir(target: &Path, parent: &Path) -> Result<tempfile::TempDir, WriteError> {
    let stem = target
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("project");
    tempfile::Builder::new()
        .prefix(&format!(".{stem}.stackgen-"))
        .tempdir_in(parent)
        .map_err(io_error("cannot create a staging directory in", parent))
}

fn write_tree(rendered: &Rendered, root: &Path) -> Result<(), WriteError> {
    for (path, bytes) in rendered.files() {
        let destination = root.join(path);
        if let Some(dir) = destination.parent() {
            fs::create_dir_all(dir).map_err(io_error("cannot create", dir))?;
        }
        fs::write(&destination, bytes).map_err(io_error("cannot write", &destination))?;
    }
    Ok(())
}

/// Creates `dir` and its missing ancestors; returns the ones it created, outermost first.
fn create_missing(dir: &Path) -> Result<Vec<PathBuf>, WriteError> {
    let missing: Vec<PathBuf> = dir
        .ancestors()
        .take_while(|a| !a.as_os_str().is_empty() && !a.exists())
        .map(Path::to_path_buf)
        .collect();
    for path in missing.iter().rev() {
        if let Err(source) = fs::create_dir(path) {
            for created in missing.iter().rev().take_while(|p| *p != path) {
                let _ = fs::remove_dir(created);
            }
            return Err(WriteError::Io {
                action: "cannot create",
                path: path.clone(),
                source,
            });
        }
    }
    Ok(missing.into_iter().rev().collect())
}

/// Names of the entries in `target`; empty when it does not exist.
fn existing_entries(target: &Path) -> Result<Vec<String>, WriteError> {
    match fs::symlink_metadata(target) {
        Err(_) => Ok(Vec::new()),
        Ok(meta) if !meta.is_dir() => Err(WriteError::NotADirectory(target.to_path_buf())),
        Ok(_) => {
            let mut names: Vec<String> = fs::read_dir(target)
                .map_err(io_error("cannot read", target))?
                .filter_map(|entry| entry.ok())
                .map(|entry| entry.file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            Ok(names)
        }
    }
}

/// An absolute path with `.` and `..` resolved lexically, so `--dir .` has a parent.
fn absolute(path: &Path) -> Result<PathBuf, WriteError> {
    let absolute = std::path::absolute(path).map_err(io_error("cannot resolve", path))?;
    let mut normal = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                normal.pop();
            }
            other => normal.push(other),
        }
    }
    Ok(normal)
}
