//! `stackgen diff`: a generated project on disk against what this stackgen renders from the
//! project's `.stackgen.yaml`. Files the user added are not stackgen's business and are ignored.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use similar::TextDiff;

use crate::context::Request;
use crate::manifest::{self, Manifest};
use crate::preset::{self, LoadedPreset, Origin};
use crate::project_name::ProjectName;
use crate::render::{self, Rendered};
use crate::settings::Override;

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
    let manifest = read_manifest(dir)?;
    let request = request_of(&manifest, dir)?;
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

fn read_manifest(dir: &Path) -> Result<Manifest> {
    let path = dir.join(manifest::FILE_NAME);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            if !dir.is_dir() {
                bail!(
                    "{} is not a directory\n  hint: pass the directory of a project stackgen generated",
                    dir.display()
                );
            }
            bail!(
                "{} has no {}, so stackgen cannot tell how it was generated\n  hint: pass the directory of a project stackgen generated (stackgen diff path/to/project)",
                dir.display(),
                manifest::FILE_NAME
            );
        }
        Err(err) => {
            return Err(err).with_context(|| format!("cannot read {}", path.display()));
        }
    };
    yaml_serde::from_str(&text).map_err(|err| {
        let (line, column, message) = crate::preset::yaml_error_location(&err);
        anyhow::anyhow!(
            "{}:{line}:{column}: {message}\n  hint: restore {} from version control; stackgen writes it when it generates a project",
            path.display(),
            manifest::FILE_NAME
        )
    })
}

fn request_of(manifest: &Manifest, dir: &Path) -> Result<Request> {
    let manifest_path = dir.join(manifest::FILE_NAME);
    let where_ = manifest_path.display();
    let preset = match &manifest.preset_source {
        Some(source) => LoadedPreset {
            preset: preset::parse(&format!("{where_} (preset_source)"), source)?,
            origin: Origin::File {
                path: PathBuf::from(&manifest_path),
                source: source.clone(),
            },
        },
        None => preset::load_embedded(&manifest.preset)
            .with_context(|| format!("{where_} names preset `{}`", manifest.preset))?,
    };
    if preset.preset.name != manifest.preset {
        bail!(
            "{where_}: `preset` is `{}` but the inline preset is named `{}`",
            manifest.preset,
            preset.preset.name
        );
    }
    let name = ProjectName::parse(&manifest.name)
        .with_context(|| format!("{where_}: `name` is not a valid project name"))?;
    let overrides: Vec<Override> = manifest
        .settings
        .iter()
        .map(|(key, value)| Override {
            key: key.clone(),
            value: value.to_string(),
        })
        .collect();
    Request::new(name, preset, &overrides).with_context(|| format!("{where_}: `settings`"))
}
