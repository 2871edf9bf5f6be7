//! Version 1 of the API, served under `/api/v1`.

mod auth;
mod users;

use utoipa_axum::router::OpenApiRouter;

use crate::api::items;
use crate::state::AppState;

/// Where this version is mounted.
pub const PREFIX: &str = "/api/v1";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(auth::router())
        .merge(users::router())
        .merge(items::router())
}
