//! `CurrentUser`: the extractor every protected handler takes. It is the only way into the
//! API with an access token, so no handler can forget to check one.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::core::bearer::{Authorization, authorization};
use crate::error::{Chain, Error};
use crate::models::User;
use crate::repositories::profiles;
use crate::state::AppState;

/// The active user named by a valid `Authorization: Bearer <access token>` header.
///
/// Missing, malformed, expired or wrongly signed tokens, tokens of deleted users and tokens
/// issued before the user's last password change answer 401 with `WWW-Authenticate: Bearer`;
/// a token of a deactivated user answers 403.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub User);

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let Authorization::Bearer(token) = authorization(&parts.headers) else {
            return Err(Error::Unauthorized);
        };
        let claims = state.access_tokens.verify(token).map_err(|error| {
            tracing::debug!(error = %Chain(&error), "access token refused");
            Error::Unauthorized
        })?;
        let user = profiles::find_by_id(&state.pool, claims.sub)
            .await?
            .ok_or(Error::Unauthorized)?;
        if !claims.matches_password(&user.password_hash) {
            tracing::debug!(user_id = %user.id, "access token refused: issued before a password change");
            return Err(Error::Unauthorized);
        }
        if !user.is_active {
            return Err(Error::Forbidden("This account is deactivated.".into()));
        }
        Ok(Self(user))
    }
}
