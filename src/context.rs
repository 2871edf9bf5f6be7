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
            local_database: LocalDatabase::for_development(
                preset.database,
                &self.name.crate_ident(),
            ),
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
    /// The database server the generated compose file starts for local development.
    pub local_database: LocalDatabase,
    pub auth: Auth,
    pub settings: &'a Settings,
    pub stackgen: StackgenInfo,
}

/// How a developer reaches the local database server: the values README, `.env.example`, the
/// test harness's hint and the compose file must agree on.
#[derive(Debug, Serialize)]
pub struct LocalDatabase {
    /// `PostgreSQL` or `CockroachDB`.
    pub server: String,
    pub port: u16,
    pub user: &'static str,
    /// Empty when the server takes no password (an insecure CockroachDB node).
    pub password: &'static str,
    /// The project's own database.
    pub url: String,
    /// A database that always exists, on which the tests create theirs.
    pub admin_url: String,
}

impl LocalDatabase {
    fn for_development(database: Database, crate_name: &str) -> Self {
        let server = database.to_string();
        match database {
            Database::Postgres => Self {
                server,
                port: 5432,
                user: "postgres",
                password: "postgres",
                url: format!("postgres://postgres:postgres@localhost:5432/{crate_name}"),
                admin_url: "postgres://postgres:postgres@localhost:5432/postgres".to_owned(),
            },
            // `--insecure` nodes accept root without a password and speak no TLS.
            Database::Cockroachdb => Self {
                server,
                port: 26257,
                user: "root",
                password: "",
                url: format!("postgresql://root@localhost:26257/{crate_name}?sslmode=disable"),
                admin_url: "postgresql://root@localhost:26257/defaultdb?sslmode=disable".to_owned(),
            },
        }
    }
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
