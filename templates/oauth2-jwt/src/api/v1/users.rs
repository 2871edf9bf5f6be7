//! Registration and the signed-in user's own account.

use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::current_user::CurrentUser;
use crate::api::json::ApiJson;
use crate::error::{Error, Problem};
use crate::schemas::user::{RegisterUser, UpdateUser, UserResponse};
use crate::services::users;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(me, update_me))
}

/// Register
///
/// Creates an account. Refused with 403 when registration is switched off
/// (`ALLOW_REGISTRATION=false`).
#[utoipa::path(
    post,
    path = "/users",
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
    path = "/users/me",
    tag = "users",
    security(("oauth2" = [])),
    responses(
        (status = OK, description = "The signed-in user", body = UserResponse),
        (status = UNAUTHORIZED, description = "Missing or invalid access token", body = Problem,
            content_type = "application/problem+json"),
        (status = FORBIDDEN, description = "The account is deactivated", body = Problem,
            content_type = "application/problem+json"),
    )
)]
async fn me(CurrentUser(user): CurrentUser) -> ApiJson<UserResponse> {
    ApiJson(user.into())
}

/// Update the current user
///
/// Changes the full name and/or the password. A password change needs `current_password`
/// and signs out every other session by revoking the user's refresh tokens.
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
    )
)]
async fn update_me(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(body): ApiJson<UpdateUser>,
) -> Result<ApiJson<UserResponse>, Error> {
    let user = users::update(&state, user, body.validate()?).await?;
    Ok(ApiJson(user.into()))
}
