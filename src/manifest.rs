//! `.stackgen.yaml`: the record, written into every project, of how it was generated.
//!
//! It holds everything the same stackgen version needs to render the project again byte for byte:
//! the version, the preset (inline when it came from a user's file), the name and every setting.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::context::Request;
use crate::preset::{self, LoadedPreset, Origin};
use crate::project_name::ProjectName;
use crate::settings::{Override, SettingValue};

pub const FILE_NAME: &str = ".stackgen.yaml";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub stackgen_version: String,
    pub preset: String,
    pub name: String,
    pub settings: BTreeMap<String, SettingValue>,
    /// The YAML of a preset that came from `--preset-file`, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset_source: Option<String>,
}

impl Manifest {
    pub fn of(request: &Request) -> Self {
        Self {
            stackgen_version: env!("CARGO_PKG_VERSION").to_string(),
            preset: request.preset.preset.name.clone(),
            name: request.name.to_string(),
            settings: request
                .settings
                .iter()
                .map(|(key, value)| (key.to_string(), value.clone()))
                .collect(),
            preset_source: match &request.preset.origin {
                Origin::Embedded => None,
                Origin::File { source, .. } => Some(source.clone()),
            },
        }
    }

    pub fn to_yaml(&self) -> Result<String, yaml_serde::Error> {
        let body = yaml_serde::to_string(self)?;
        Ok(format!(
            "# How this project was generated; keep it to re-render or diff with the same stackgen.\n{body}"
        ))
    }
}

/// Reads `.stackgen.yaml` in `dir`.
pub fn read(dir: &Path) -> Result<Manifest> {
    let path = dir.join(FILE_NAME);
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
                "{} has no {FILE_NAME}, so it is not a project stackgen generated and stackgen cannot tell how it was made\n  hint: pass the directory of a project stackgen generated (e.g. stackgen diff path/to/project)",
                dir.display(),
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
            FILE_NAME
        )
    })
}

/// What `stackgen update` changes in the recorded answers: another preset, more settings.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    pub preset: Option<LoadedPreset>,
    pub overrides: Vec<Override>,
}

/// The request `.stackgen.yaml` records, with `changes` applied: the recorded settings the
/// (possibly new) preset still has, then the new overrides.
pub fn request(manifest: &Manifest, dir: &Path, changes: &Changes) -> Result<Request> {
    let manifest_path = dir.join(FILE_NAME);
    let preset = match changes.preset.clone() {
        Some(preset) => preset,
        None => recorded_preset(manifest, &manifest_path)?,
    };
    request_with(manifest, preset, changes, &manifest_path)
}

fn recorded_preset(manifest: &Manifest, manifest_path: &Path) -> Result<LoadedPreset> {
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
    Ok(preset)
}

fn request_with(
    manifest: &Manifest,
    preset: LoadedPreset,
    changes: &Changes,
    manifest_path: &Path,
) -> Result<Request> {
    let where_ = manifest_path.display();
    let name = ProjectName::parse(&manifest.name)
        .with_context(|| format!("{where_}: `name` is not a valid project name"))?;
    let declared: Vec<&str> = preset
        .preset
        .settings
        .iter()
        .map(|def| def.key.as_str())
        .collect();
    let recorded: Vec<Override> = manifest
        .settings
        .iter()
        .filter(|(key, _)| changes.preset.is_none() || declared.contains(&key.as_str()))
        .map(|(key, value)| Override {
            key: key.clone(),
            value: value.to_string(),
        })
        .collect();
    let request = Request::new(name.clone(), preset.clone(), &recorded)
        .with_context(|| format!("{where_}: `settings`"))?;
    if changes.overrides.is_empty() {
        return Ok(request);
    }
    let all: Vec<Override> = recorded
        .into_iter()
        .chain(changes.overrides.iter().cloned())
        .collect();
    Ok(Request::new(name, preset, &all)?)
}
