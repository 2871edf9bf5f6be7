//! The signed-in user's changes to their own account.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::json::ApiJson;
use crate::auth::CurrentUser;
use crate::error::{Error, Problem};
use crate::schemas::profile::UpdateUser;
use crate::schemas::user::UserResponse;
use crate::services::profile;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(update_me))
}

/// Update the current user
///
/// Changes the full name and/or the password. A password change needs `current_password`
/// and ends every session, this one included: the user's refresh tokens are revoked and access
/// tokens issued before the change are refused, so the client logs in again. Checking
/// `current_password` counts against the client's login attempts (429 beyond them).
#[utoipa::path(
    patch,
    path = "/users/me",
    tag = "users",
    security(("oauth2" = [])),
    request_body = UpdateUser,
    responses(
        (status = OK, description = "The updated user", body = UserResponse),
        (status = UNAUTHORIZED, description = "Missing or invalid access token", body = Problem,
            content_type = "application/problem+json"),
        (status = UNPROCESSABLE_ENTITY, description = "Invalid fields or wrong current password",
            body = Problem, content_type = "application/problem+json"),
        (status = TOO_MANY_REQUESTS, description = "Too many password attempts from this address; see Retry-After",
            body = Problem, content_type = "application/problem+json"),
        (status = SERVICE_UNAVAILABLE, description = "Too many passwords are being hashed; see Retry-After",
            body = Problem, content_type = "application/problem+json"),
    )
)]
async fn update_me(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    CurrentUser(user): CurrentUser,
    ApiJson(body): ApiJson<UpdateUser>,
) -> Result<ApiJson<UserResponse>, Error> {
    let changes = body.validate()?;
    // A current password is a password guess like a login's: the same limit applies.
    if changes.password.is_some() {
        state.login_throttle.admit(peer, &headers)?;
    }
    let user = profile::update(&state, user, changes).await?;
    Ok(ApiJson(user.into()))
}
