//! `stackgen diff`: a generated project on disk against what this stackgen renders from the
//! project's `.stackgen.yaml`. Files the user added are not stackgen's business and are ignored.

use std::path::Path;

use anyhow::{Context, Result};
use similar::TextDiff;

use crate::manifest::{self, Changes, Manifest};
use crate::render::{self, Rendered};

/// How one generated file differs on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Difference {
    Changed,
    Removed,
}

#[derive(Debug, Clone)]
pub struct FileDrift {
    pub path: String,
    pub difference: Difference,
    /// A unified diff from the fresh render (`a/`) to the file on disk (`b/`).
    pub patch: String,
}

#[derive(Debug, Clone)]
pub struct Drift {
    /// The stackgen version that generated the project.
    pub generated_by: String,
    pub files: Vec<FileDrift>,
    pub unchanged: usize,
}

/// Reads `.stackgen.yaml` in `dir` and renders the project again from it.
pub fn rerender(dir: &Path) -> Result<(Manifest, Rendered)> {
    let manifest = manifest::read(dir)?;
    let request = manifest::request(&manifest, dir, &Changes::default())?;
    let rendered = render::render(&request).context("cannot render the project again")?;
    Ok((manifest, rendered))
}

/// Compares each file of `rendered` with its counterpart under `dir`.
pub fn compare(dir: &Path, manifest: &Manifest, rendered: &Rendered) -> Result<Drift> {
    let mut files = Vec::new();
    let mut unchanged = 0;
    for (path, expected) in rendered.files() {
        let on_disk_path = dir.join(path);
        let on_disk = match std::fs::read(&on_disk_path) {
            Ok(bytes) => Some(bytes),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
            Err(err) => {
                return Err(err).with_context(|| format!("cannot read {}", on_disk_path.display()));
            }
        };
        match on_disk {
            Some(actual) if actual == expected => unchanged += 1,
            Some(actual) => files.push(FileDrift {
                path: path.to_string(),
                difference: Difference::Changed,
                patch: patch(path, expected, Some(&actual)),
            }),
            None => files.push(FileDrift {
                path: path.to_string(),
                difference: Difference::Removed,
                patch: patch(path, expected, None),
            }),
        }
    }
    Ok(Drift {
        generated_by: manifest.stackgen_version.clone(),
        files,
        unchanged,
    })
}

fn patch(path: &str, expected: &[u8], actual: Option<&[u8]>) -> String {
    let old_header = format!("a/{path}");
    let new_header = match actual {
        Some(_) => format!("b/{path}"),
        None => "/dev/null".to_string(),
    };
    let (Ok(old), Ok(new)) = (
        std::str::from_utf8(expected),
        std::str::from_utf8(actual.unwrap_or_default()),
    ) else {
        return format!("Binary files {old_header} and {new_header} differ\n");
    };
    TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&old_header, &new_header)
        .to_string()
}
