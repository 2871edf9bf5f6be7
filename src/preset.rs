//! Presets: the schema of `presets/*.yaml`, loading (embedded or a user's file) and validation.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::embedded;
use crate::settings::SettingDef;
use crate::suggest::did_you_mean;

/// The database a preset's generated project talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Database {
    Postgres,
    Cockroachdb,
}

impl Database {
    /// The layer that implements this database.
    pub fn layer(self) -> &'static str {
        match self {
            Self::Postgres => "postgres",
            Self::Cockroachdb => "cockroachdb",
        }
    }
}

impl fmt::Display for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Postgres => "PostgreSQL",
            Self::Cockroachdb => "CockroachDB",
        })
    }
}

/// The authentication mechanism a preset's generated project uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Auth {
    None,
    Oauth2Jwt,
    TokenSession,
    Oidc,
}

impl Auth {
    /// The layer that implements this scheme; `None` has none.
    pub fn layer(self) -> Option<&'static str> {
        match self {
            Self::None => None,
            Self::Oauth2Jwt => Some("oauth2-jwt"),
            Self::TokenSession => Some("token-session"),
            Self::Oidc => Some("oidc"),
        }
    }
}

impl fmt::Display for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::None => "none (the base service, no user accounts)",
            Self::Oauth2Jwt => "OAuth2 password grant, HS256 access JWT, rotating refresh tokens",
            Self::TokenSession => "opaque session tokens stored hashed, by cookie or header",
            Self::Oidc => "OIDC (Clerk) JWTs checked against the issuer's JWKS",
        })
    }
}

/// Where a generated project is meant to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Deployment {
    Docker,
    Compose,
    Kubernetes,
    GithubActions,
}

impl fmt::Display for Deployment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Docker => "Docker image",
            Self::Compose => "docker compose",
            Self::Kubernetes => "Kubernetes",
            Self::GithubActions => "GitHub Actions CI",
        })
    }
}

/// A named stack: what it is for, what it is made of, and what a user may tune.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Preset {
    pub name: String,
    pub title: String,
    pub summary: String,
    pub description: String,
    pub target_user: String,
    pub use_cases: Vec<String>,
    pub database: Database,
    pub auth: Auth,
    pub deployment: Vec<Deployment>,
    pub layers: Vec<String>,
    /// Where the API is mounted and how its paths end; the shared resource layers follow it.
    #[serde(default)]
    pub api: ApiStyle,
    #[serde(default)]
    pub settings: Vec<SettingDef>,
}

/// The path style of a preset's API, supplied to the layers as `api.prefix` and `api.slash`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ApiStyle {
    /// Where the resource routers are nested, e.g. `/api/v1`.
    pub prefix: String,
    /// Whether every path ends in `/` (`/api/items/`), as Django-style clients expect.
    #[serde(default)]
    pub trailing_slash: bool,
}

impl Default for ApiStyle {
    fn default() -> Self {
        Self {
            prefix: "/api".to_owned(),
            trailing_slash: false,
        }
    }
}

/// Where a preset came from; a user's file is kept verbatim so a project can record it.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    Embedded,
    File { path: PathBuf, source: String },
}

/// A validated preset and where it was read from.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedPreset {
    pub preset: Preset,
    pub origin: Origin,
}

/// Why a preset could not be used. Callers branch on `Unknown` to offer the list.
#[derive(Debug, thiserror::Error)]
pub enum PresetError {
    #[error("unknown preset `{name}`{}\n  available presets: {}\n  hint: `stackgen list` describes them; a preset of your own goes in --preset-file", suggestion_text(.suggestion), .available.join(", "))]
    Unknown {
        name: String,
        available: Vec<String>,
        suggestion: Option<String>,
    },
    #[error("{file}:{line}:{column}: {message}")]
    Syntax {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{file}: {problem}")]
    Invalid { file: String, problem: String },
    #[error("cannot read preset file {}: {source}\n  hint: check the path given to --preset-file", .path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn suggestion_text(suggestion: &Option<String>) -> String {
    suggestion
        .as_ref()
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default()
}

/// Names of the embedded presets, sorted.
pub fn embedded_names() -> Vec<String> {
    let mut names: Vec<String> = embedded::PRESETS
        .files()
        .filter_map(|f| {
            let path = f.path();
            (path.extension()? == "yaml").then(|| path.file_stem()?.to_str().map(String::from))?
        })
        .collect();
    names.sort();
    names
}

/// Every embedded preset, sorted by name.
pub fn all_embedded() -> Result<Vec<LoadedPreset>, PresetError> {
    embedded_names().iter().map(|n| load_embedded(n)).collect()
}

/// Loads an embedded preset by name.
pub fn load_embedded(name: &str) -> Result<LoadedPreset, PresetError> {
    let file_name = format!("{name}.yaml");
    let Some(text) = embedded::PRESETS
        .get_file(&file_name)
        .and_then(|f| f.contents_utf8())
    else {
        let available = embedded_names();
        return Err(PresetError::Unknown {
            name: name.to_string(),
            suggestion: did_you_mean(name, &available),
            available,
        });
    };
    let preset = parse(&format!("presets/{file_name}"), text)?;
    Ok(LoadedPreset {
        preset,
        origin: Origin::Embedded,
    })
}

/// Loads a user's preset file.
pub fn load_file(path: &Path) -> Result<LoadedPreset, PresetError> {
    let source = std::fs::read_to_string(path).map_err(|source| PresetError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let preset = parse(&path.display().to_string(), &source)?;
    Ok(LoadedPreset {
        preset,
        origin: Origin::File {
            path: path.to_path_buf(),
            source,
        },
    })
}

/// Parses and validates preset YAML; `file` is only used in messages.
pub fn parse(file: &str, text: &str) -> Result<Preset, PresetError> {
    let preset: Preset = yaml_serde::from_str(text).map_err(|err| syntax_error(file, &err))?;
    validate(&preset).map_err(|problem| PresetError::Invalid {
        file: file.to_string(),
        problem,
    })?;
    Ok(preset)
}

/// Where a YAML error is (line and column, 1-based) and what it says without its own
/// "at line …" suffix, so callers can put the place first as `file:line:column: message`.
pub fn yaml_error_location(err: &yaml_serde::Error) -> (usize, usize, String) {
    let text = err.to_string();
    let (line, column) = err
        .location()
        .map(|l| (l.line(), l.column()))
        .unwrap_or((1, 1));
    let message = match text.rfind(" at line ") {
        Some(at) => text[..at].to_string(),
        None => text,
    };
    (line, column, message)
}

fn syntax_error(file: &str, err: &yaml_serde::Error) -> PresetError {
    let (line, column, message) = yaml_error_location(err);
    PresetError::Syntax {
        file: file.to_string(),
        line,
        column,
        message,
    }
}

fn validate(preset: &Preset) -> Result<(), String> {
    if crate::project_name::ProjectName::parse(&preset.name).is_err() {
        return Err(format!(
            "preset name `{}` must be lower-case kebab-case, like `my-preset`",
            preset.name
        ));
    }
    for (field, value) in [
        ("title", &preset.title),
        ("summary", &preset.summary),
        ("description", &preset.description),
        ("target_user", &preset.target_user),
    ] {
        if value.trim().is_empty() {
            return Err(format!("`{field}` must not be empty"));
        }
    }
    if preset.summary.contains('\n') {
        return Err("`summary` must be one line".into());
    }
    if preset.layers.is_empty() {
        return Err(format!(
            "`layers` is empty; list at least `base` (available layers: {})",
            embedded::layer_names().join(", ")
        ));
    }
    let available = embedded::layer_names();
    for (index, layer) in preset.layers.iter().enumerate() {
        if !available.contains(layer) {
            return Err(format!(
                "unknown layer `{layer}`{}; available layers: {}",
                suggestion_text(&did_you_mean(layer, &available)),
                available.join(", ")
            ));
        }
        if preset.layers[..index].contains(layer) {
            return Err(format!("layer `{layer}` is listed twice"));
        }
    }
    let database = preset.database.layer();
    if !preset.layers.iter().any(|layer| layer == database) {
        return Err(format!(
            "`database: {}` needs the `{database}` layer in `layers`",
            serde_plain(&preset.database)
        ));
    }
    if let Some(auth) = preset.auth.layer()
        && !preset.layers.iter().any(|layer| layer == auth)
    {
        return Err(format!(
            "`auth: {}` needs the `{auth}` layer in `layers`",
            serde_plain(&preset.auth)
        ));
    }
    if !preset.api.prefix.starts_with('/') || preset.api.prefix.ends_with('/') {
        return Err(format!(
            "`api.prefix` is `{}`: it must start with `/` and not end with one, like `/api/v1`",
            preset.api.prefix
        ));
    }
    for (index, def) in preset.settings.iter().enumerate() {
        def.check_declaration()?;
        if preset.settings[..index].iter().any(|d| d.key == def.key) {
            return Err(format!("setting `{}` is declared twice", def.key));
        }
    }
    Ok(())
}

/// How a unit enum value is spelled in YAML.
fn serde_plain<T: Serialize>(value: &T) -> String {
    yaml_serde::to_string(value)
        .map(|text| text.trim().to_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "\
name: tiny
title: Tiny
summary: A tiny preset
description: For tests.
target_user: Testers
use_cases: [testing]
database: postgres
auth: none
deployment: [docker]
layers: [base, postgres]
";

    #[test]
    fn every_embedded_preset_loads_and_validates() {
        let presets = all_embedded().expect("embedded presets are valid");
        assert!(presets.len() >= 3);
        for loaded in presets {
            assert!(loaded.preset.layers.contains(&"base".to_string()));
        }
    }

    #[test]
    fn embedded_file_names_match_preset_names() {
        for loaded in all_embedded().expect("valid") {
            assert_eq!(load_embedded(&loaded.preset.name).expect("by name"), loaded);
        }
    }

    #[test]
    fn unknown_keys_are_reported_with_line_and_column() {
        let text = format!("{MINIMAL}colour: blue\n");
        let err = parse("p.yaml", &text).expect_err("unknown key");
        let PresetError::Syntax {
            line,
            column,
            message,
            ..
        } = &err
        else {
            panic!("expected a syntax error, got {err}");
        };
        assert_eq!((*line, *column), (11, 1), "{err}");
        assert!(message.contains("unknown field `colour`"), "{message}");
    }

    #[test]
    fn unknown_layers_are_refused_with_a_suggestion() {
        let text = MINIMAL.replace("layers: [base, postgres]", "layers: [bsae, postgres]");
        let err = parse("p.yaml", &text).expect_err("unknown layer");
        assert!(err.to_string().contains("did you mean `base`"), "{err}");
    }

    #[test]
    fn the_database_and_auth_named_must_be_among_the_layers() {
        let text = MINIMAL.replace("layers: [base, postgres]", "layers: [base]");
        let err = parse("p.yaml", &text).expect_err("no database layer");
        assert!(err.to_string().contains("`postgres` layer"), "{err}");
        let text = MINIMAL.replace("auth: none", "auth: token-session");
        let err = parse("p.yaml", &text).expect_err("no auth layer");
        assert!(err.to_string().contains("`token-session` layer"), "{err}");
    }

    #[test]
    fn unknown_preset_names_suggest_the_nearest() {
        let err = load_embedded("postgres-oauth-jwt").expect_err("unknown");
        assert!(
            err.to_string()
                .contains("did you mean `postgres-oauth2-jwt`"),
            "{err}"
        );
    }
}
