//! The router: every endpoint, the documentation routes, the fallbacks and the middleware.

mod health;

use axum::Router;
use axum::http::Uri;
use utoipa_axum::router::OpenApiRouter;

use crate::config::ServerConfig;
use crate::error::Error;
use crate::middleware;
use crate::openapi::{self, ApiDoc};
use crate::state::AppState;

pub fn router(state: AppState, config: &ServerConfig) -> Router {
    let (api, document) = OpenApiRouter::with_openapi(ApiDoc::base())
        .merge(health::router())
        .split_for_parts();
    let router = api
        .merge(openapi::docs_router(document))
        .fallback(route_not_found)
        // Must come after every route is added: it only applies to routes that already exist.
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state);
    middleware::apply(router, config)
}

async fn route_not_found(uri: Uri) -> Error {
    Error::NotFound(format!("There is no endpoint at {}.", uri.path()).into())
}

async fn method_not_allowed() -> Error {
    Error::MethodNotAllowed
}
