//! The request a user makes, and the values templates see when it is rendered.

use serde::Serialize;

use crate::preset::{Auth, Database, LoadedPreset};
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
            database: preset.database,
            auth: preset.auth,
            settings: &self.settings,
            stackgen: StackgenInfo {
                version: env!("CARGO_PKG_VERSION"),
            },
        }
    }
}

/// The template context. Field names here are the variables templates use.
#[derive(Debug, Serialize)]
pub struct Context<'a> {
    pub project: ProjectNames<'a>,
    pub preset: PresetInfo<'a>,
    pub database: Database,
    pub auth: Auth,
    pub settings: &'a Settings,
    pub stackgen: StackgenInfo,
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
