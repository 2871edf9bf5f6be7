//! The OAuth2 endpoints and the account changes that touch tokens, served under `/api/v1`.

mod auth;
mod profile;

use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(auth::router())
        .merge(profile::router())
}
