//! Registration and the signed-in user.

use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::json::ApiJson;
use crate::auth::CurrentUser;
use crate::error::{Error, Problem};
use crate::schemas::user::{RegisterUser, UserResponse};
use crate::services::users;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(me))
}

/// Register
///
/// Creates an account. Refused with 403 when registration is switched off
/// (`ALLOW_REGISTRATION=false`).
#[utoipa::path(
    post,
    path = "/users/",
    tag = "users",
    request_body = RegisterUser,
    responses(
        (status = CREATED, description = "The new user", body = UserResponse),
        (status = FORBIDDEN, description = "Registration is closed", body = Problem,
            content_type = "application/problem+json"),
        (status = CONFLICT, description = "The e-mail address is taken", body = Problem,
            content_type = "application/problem+json"),
        (status = UNPROCESSABLE_ENTITY, description = "Invalid fields", body = Problem,
            content_type = "application/problem+json"),
    )
)]
async fn register(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<RegisterUser>,
) -> Result<(StatusCode, ApiJson<UserResponse>), Error> {
    let user = users::register(&state, body.validate()?).await?;
    Ok((StatusCode::CREATED, ApiJson(user.into())))
}

/// Current user
#[utoipa::path(
    get,
    path = "/users/me/",
    tag = "users",
    security(("session_token" = []), ("session_cookie" = [])),
    responses(
        (status = OK, description = "The signed-in user", body = UserResponse),
        (status = UNAUTHORIZED, description = "Missing, expired or revoked session token",
            body = Problem, content_type = "application/problem+json"),
    )
)]
async fn me(CurrentUser(user): CurrentUser) -> ApiJson<UserResponse> {
    ApiJson(user.into())
}
