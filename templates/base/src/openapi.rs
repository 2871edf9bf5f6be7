//! The OpenAPI document and the Swagger UI that renders it.
//!
//! Paths are not listed here: `utoipa_axum::routes!` adds each handler's `#[utoipa::path]` to
//! the document as the handler is routed (see `routes/mod.rs`), so the two cannot drift apart.

use axum::Router;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use crate::state::AppState;

/// Serves the OpenAPI document as JSON.
pub const OPENAPI_JSON_PATH: &str = "/openapi.json";

/// Serves Swagger UI (bundled in the binary, works offline).
pub const DOCS_PATH: &str = "/docs";

/// Title, version and description come from `Cargo.toml`.
#[derive(OpenApi)]
#[openapi(tags((name = "health", description = "Liveness and readiness probes")))]
pub struct ApiDoc;

impl ApiDoc {
    /// The document before any path is added. utoipa copies the license from `Cargo.toml` and
    /// writes an empty one when the package declares none; that empty license is dropped.
    pub fn base() -> utoipa::openapi::OpenApi {
        let mut document = Self::openapi();
        document
            .info
            .license
            .take_if(|license| license.name.is_empty());
        document
    }
}

pub fn docs_router(document: utoipa::openapi::OpenApi) -> Router<AppState> {
    SwaggerUi::new(DOCS_PATH)
        .url(OPENAPI_JSON_PATH, document)
        .into()
}
