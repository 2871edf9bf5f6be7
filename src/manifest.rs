//! `.stackgen.yaml`: the record, written into every project, of how it was generated.
//!
//! It holds everything the same stackgen version needs to render the project again byte for byte:
//! the version, the preset (inline when it came from a user's file), the name and every setting.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::context::Request;
use crate::preset::Origin;
use crate::settings::SettingValue;

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
