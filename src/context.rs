//! The request a user makes, and the values templates see when it is rendered.

use serde::{Deserialize, Serialize};

use crate::preset::LoadedPreset;
use crate::project_name::ProjectName;
use crate::settings::{Override, OverrideError, Settings};

/// Everything needed to render a project: who, from which preset, with which settings.
#[derive(Debug, Clone)]
pub struct Request {
    pub name: ProjectName,
    pub preset: LoadedPreset,
    pub settings: Settings,
}

impl Request {
    pub fn new(
        name: ProjectName,
        preset: LoadedPreset,
        overrides: &[Override],
    ) -> Result<Self, OverrideError> {
        let settings = Settings::resolve(&preset.preset.name, &preset.preset.settings, overrides)?;
        Ok(Self {
            name,
            preset,
            settings,
        })
    }

    pub fn context(&self) -> Context<'_> {
        let preset = &self.preset.preset;
        Context {
            project: ProjectNames {
                name: self.name.as_str(),
                crate_name: self.name.crate_ident(),
                snake: self.name.snake(),
                pascal: self.name.pascal(),
                shouty: self.name.shouty(),
                title: self.name.title(),
            },
            preset: PresetInfo {
                name: &preset.name,
                title: &preset.title,
                summary: &preset.summary,
            },
            api: ApiPaths {
                prefix: &preset.api.prefix,
                slash: if preset.api.trailing_slash { "/" } else { "" },
            },
            settings: &self.settings,
            stackgen: StackgenInfo {
                version: env!("CARGO_PKG_VERSION"),
            },
        }
    }
}

/// What every template sees before the layers add theirs. It names no database and no auth
/// scheme: those are layers, and a template learns about them only through what they export.
#[derive(Debug, Serialize)]
pub struct Context<'a> {
    pub project: ProjectNames<'a>,
    pub preset: PresetInfo<'a>,
    pub api: ApiPaths<'a>,
    pub settings: &'a Settings,
    pub stackgen: StackgenInfo,
}

/// Where the preset mounts its API and how its paths end, e.g. `/api/v1` and no trailing slash.
#[derive(Debug, Serialize)]
pub struct ApiPaths<'a> {
    pub prefix: &'a str,
    /// `/` when every path ends in a slash, else empty.
    pub slash: &'static str,
}

/// How a developer reaches the local database server: the values README, `.env.example`, the
/// test harness's hint and the compose file must agree on. The database layer exports it as
/// `local_database`.
#[derive(Debug, Clone, Deserialize)]
pub struct LocalDatabase {
    /// `PostgreSQL` or `CockroachDB`.
    pub server: String,
    /// What `docker compose up -d db` starts, in a few words.
    pub compose_service: String,
    pub port: u16,
    /// A database that always exists, on which the tests create theirs.
    pub admin_url: String,
}

/// The project name in every case a template needs.
#[derive(Debug, Serialize)]
pub struct ProjectNames<'a> {
    /// As typed: `my-api` (package and binary name).
    pub name: &'a str,
    /// As used in Rust paths: `my_api`.
    pub crate_name: String,
    pub snake: String,
    pub pascal: String,
    pub shouty: String,
    pub title: String,
}

#[derive(Debug, Serialize)]
pub struct PresetInfo<'a> {
    pub name: &'a str,
    pub title: &'a str,
    pub summary: &'a str,
}

#[derive(Debug, Serialize)]
pub struct StackgenInfo {
    pub version: &'static str,
}
