//! Layer manifests: what each template layer contributes, read from `templates/<layer>/layer.yaml`.
//!
//! A layer is a folder that owns one concern. Its files are overlaid onto the project; its
//! manifest declares what the shared files render on its behalf (Cargo dependencies, Rust
//! modules, configuration variables, values for other templates, and which extension points it
//! fills). [`crate::composition`] merges the manifests of a preset's layers.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::embedded;

/// The manifest's file name inside a layer folder. It is read by stackgen, never written out.
pub const MANIFEST: &str = "layer.yaml";

/// The folder inside a layer that holds its pieces for other templates' extension points:
/// `_slots/<slot>.j2` is included wherever a template renders `slots.<slot>`.
pub const SLOTS_DIR: &str = "_slots";

/// One layer's declaration of what it is and what it adds.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerManifest {
    /// One line for `stackgen show`.
    pub summary: String,
    /// Capabilities this layer stands for (`database`, `auth`, …); at most one layer of a
    /// preset provides each. A layer always provides its own name.
    #[serde(default)]
    pub provides: Vec<String>,
    /// Capabilities (or layer names) that some other layer of the preset must provide.
    #[serde(default)]
    pub requires: Vec<String>,
    #[serde(default)]
    pub cargo: CargoContribution,
    /// Rust modules this layer adds, declared in their parent module's file.
    #[serde(default)]
    pub modules: Vec<ModuleDecl>,
    /// Configuration variables this layer's code reads, in the order they are documented.
    #[serde(default)]
    pub environment: Vec<EnvironmentBlock>,
    /// `use` paths this layer's contributions need, by the output file whose import block
    /// holds them (`src/state.rs: [std::sync::Arc]`).
    #[serde(default)]
    pub uses: BTreeMap<String, Vec<String>>,
    /// Values other templates read by name (`local_database.port`, `protected.security`).
    #[serde(default)]
    pub exports: BTreeMap<String, serde_json::Value>,
}

/// Dependencies of the generated crate. Contributions to one crate from several layers merge:
/// features as a sorted union, the version given once (or identically).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CargoContribution {
    #[serde(default)]
    pub dependencies: BTreeMap<String, DependencySpec>,
    #[serde(default, rename = "dev-dependencies")]
    pub dev_dependencies: BTreeMap<String, DependencySpec>,
}

/// `"1.0"` or `{ version, default-features, features }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum DependencySpec {
    Version(String),
    Detailed(DetailedDependency),
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetailedDependency {
    pub version: Option<String>,
    #[serde(rename = "default-features")]
    pub default_features: Option<bool>,
    #[serde(default)]
    pub features: Vec<String>,
}

impl DependencySpec {
    pub fn detailed(&self) -> DetailedDependency {
        match self {
            Self::Version(version) => DetailedDependency {
                version: Some(version.clone()),
                ..DetailedDependency::default()
            },
            Self::Detailed(detailed) => detailed.clone(),
        }
    }
}

/// `path: api::items` declares `mod items;` in `src/api/mod.rs`; `public` makes it `pub mod`;
/// `export` adds `pub use items::{…};` there.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModuleDecl {
    pub path: String,
    #[serde(default)]
    pub public: bool,
    #[serde(default)]
    pub export: Vec<String>,
}

/// A group of variables documented together (one block of `.env.example`).
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentBlock {
    /// Comment lines above the block in `.env.example`, without the `# `.
    pub comment: String,
    pub variables: Vec<EnvironmentVariable>,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentVariable {
    pub name: String,
    /// The value `.env.example` gives it (empty for none).
    #[serde(default)]
    pub example: String,
    /// What applies when it is unset, as the README's table says it (Markdown).
    pub default: String,
    /// The README's description (Markdown, one line).
    pub description: String,
    /// Whether the value is a secret: never logged, never defaulted.
    #[serde(default)]
    pub secret: bool,
    /// Whether the service refuses to start without it.
    #[serde(default)]
    pub required: bool,
    /// A comment line above this variable in `.env.example`.
    #[serde(default)]
    pub comment: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum LayerError {
    #[error("layer `{0}` does not exist")]
    Unknown(String),
    #[error("templates/{layer}/{MANIFEST} is missing: every layer declares what it contributes")]
    MissingManifest { layer: String },
    #[error("templates/{layer}/{MANIFEST}:{line}:{column}: {message}")]
    Syntax {
        layer: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{message}")]
    Template { message: String },
}

/// The raw text of a layer's manifest.
pub fn manifest_source(layer: &str) -> Result<&'static str, LayerError> {
    if embedded::TEMPLATES.get_dir(layer).is_none() {
        return Err(LayerError::Unknown(layer.to_owned()));
    }
    embedded::template_source(&format!("{layer}/{MANIFEST}")).ok_or_else(|| {
        LayerError::MissingManifest {
            layer: layer.to_owned(),
        }
    })
}

/// Parses a layer's manifest after its `{{ … }}` values have been rendered.
pub fn parse(layer: &str, text: &str) -> Result<LayerManifest, LayerError> {
    yaml_serde::from_str(text).map_err(|err| {
        let (line, column, message) = crate::preset::yaml_error_location(&err);
        LayerError::Syntax {
            layer: layer.to_owned(),
            line,
            column,
            message,
        }
    })
}

/// A layer's one-line summary, read from its manifest without rendering it.
pub fn summary(layer: &str) -> Option<String> {
    let text = manifest_source(layer).ok()?;
    parse(layer, text).ok().map(|manifest| manifest.summary)
}

/// The slot pieces a layer holds: slot name to template path under `templates/`.
pub fn slot_files(layer: &str) -> BTreeMap<String, String> {
    let Some(dir) = embedded::TEMPLATES.get_dir(format!("{layer}/{SLOTS_DIR}")) else {
        return BTreeMap::new();
    };
    dir.files()
        .filter_map(|file| {
            let path = file.path().to_str()?;
            let name = file.path().file_name()?.to_str()?.strip_suffix(".j2")?;
            Some((name.to_owned(), path.to_owned()))
        })
        .collect()
}

/// Whether a path inside a layer folder is part of the layer's machinery rather than a file
/// of the generated project.
pub fn is_machinery(relative: &str) -> bool {
    relative == MANIFEST || relative.starts_with(&format!("{SLOTS_DIR}/"))
}
