//! The signed-in user's changes to their own account.

use axum::extract::State;
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
    let user = profile::update(&state, user, body.validate()?).await?;
    Ok(ApiJson(user.into()))
}
