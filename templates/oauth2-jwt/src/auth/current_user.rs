//! `CurrentUser`: the extractor every protected handler takes. It is the only way into the
//! API with an access token, so no handler can forget to check one.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use crate::error::{Chain, Error};
use crate::models::User;
use crate::repositories::profiles;
use crate::state::AppState;

/// The active user named by a valid `Authorization: Bearer <access token>` header.
///
/// Missing, malformed, expired or wrongly signed tokens, and tokens of deleted users, answer
/// 401 with `WWW-Authenticate: Bearer`; a token of a deactivated user answers 403.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub User);

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let token = bearer_token(parts).ok_or(Error::Unauthorized)?;
        let claims = state.access_tokens.verify(token).map_err(|error| {
            tracing::debug!(error = %Chain(&error), "access token refused");
            Error::Unauthorized
        })?;
        let user = profiles::find_by_id(&state.pool, claims.sub)
            .await?
            .ok_or(Error::Unauthorized)?;
        if !user.is_active {
            return Err(Error::Forbidden("This account is deactivated.".into()));
        }
        Ok(Self(user))
    }
}

/// The token of an `Authorization: Bearer <token>` header (scheme case-insensitive).
fn bearer_token(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn token_of(authorization: Option<&str>) -> Option<String> {
        let mut request = Request::get("/");
        if let Some(value) = authorization {
            request = request.header(header::AUTHORIZATION, value);
        }
        let (parts, ()) = request.body(()).unwrap().into_parts();
        bearer_token(&parts).map(str::to_owned)
    }

    #[test]
    fn the_bearer_scheme_is_case_insensitive() {
        assert_eq!(
            token_of(Some("Bearer abc.def.ghi")).as_deref(),
            Some("abc.def.ghi")
        );
        assert_eq!(token_of(Some("bearer abc")).as_deref(), Some("abc"));
    }

    #[test]
    fn other_schemes_and_empty_tokens_are_ignored() {
        for value in ["Basic dXNlcjpwYXNz", "Bearer", "Bearer    ", "abc"] {
            assert_eq!(token_of(Some(value)), None, "{value:?}");
        }
        assert_eq!(token_of(None), None);
    }
}
