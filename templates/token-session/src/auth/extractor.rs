//! The extractors every protected handler takes. They are the only way into the API, so no
//! handler can forget to check a token or the CSRF token.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;

use super::{cookies, csrf, service};
use crate::core::bearer::{Authorization, authorization};
use crate::core::cookie;
use crate::error::Error;
use crate::models::{SessionToken, User};
use crate::state::AppState;

/// How the client presented its token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// `Authorization: Bearer <token>`.
    Header,
    /// The `__Host-session` cookie.
    Cookie,
}

/// The live session behind the request, with its user.
///
/// The `Authorization` header is read first, then the session cookie. An unknown, expired,
/// idle, revoked or malformed token, or one of an inactive user, answers 401. A cookie session
/// sending POST, PUT, PATCH or DELETE without its CSRF token in `X-CSRF-Token` answers 403.
#[derive(Debug, Clone)]
pub struct CurrentSession {
    pub user: User,
    pub session: SessionToken,
    pub transport: Transport,
}

/// The user of the current session, for handlers that need nothing else.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub User);

impl FromRequestParts<AppState> for CurrentSession {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let (token, transport) = presented_token(&parts.headers).ok_or(Error::Unauthorized)?;
        let live = service::authenticate(state, token)
            .await?
            .ok_or(Error::Unauthorized)?;
        if transport == Transport::Cookie
            && csrf::is_unsafe(&parts.method)
            && !csrf::is_valid(&parts.headers, live.csrf_hash.as_deref())
        {
            return Err(Error::Forbidden(
                "A request authenticated by the session cookie must send the session's CSRF \
                 token in the X-CSRF-Token header."
                    .into(),
            ));
        }
        Ok(Self {
            session: live.session(),
            user: live.user,
            transport,
        })
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let current = CurrentSession::from_request_parts(parts, state).await?;
        Ok(Self(current.user))
    }
}

/// The token and how it came. An `Authorization` header that is not a bearer token is refused
/// rather than skipped, so a client's mistake is never hidden by a cookie it also sent.
fn presented_token(headers: &HeaderMap) -> Option<(&str, Transport)> {
    match authorization(headers) {
        Authorization::Bearer(token) => Some((token, Transport::Header)),
        Authorization::Malformed => None,
        Authorization::Absent => {
            cookie::find(headers, cookies::SESSION_COOKIE).map(|token| (token, Transport::Cookie))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderValue, header};

    fn headers(pairs: &[(header::HeaderName, &'static str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(name, HeaderValue::from_static(value));
        }
        headers
    }

    #[test]
    fn the_header_wins_over_the_cookie() {
        let both = headers(&[
            (header::AUTHORIZATION, "Bearer from-header"),
            (header::COOKIE, "__Host-session=from-cookie"),
        ]);
        assert_eq!(
            presented_token(&both),
            Some(("from-header", Transport::Header))
        );
    }

    #[test]
    fn the_cookie_is_used_without_a_header() {
        let cookie = headers(&[(header::COOKIE, "__Host-session=from-cookie")]);
        assert_eq!(
            presented_token(&cookie),
            Some(("from-cookie", Transport::Cookie))
        );
    }

    #[test]
    fn malformed_or_missing_credentials_present_nothing() {
        for value in ["Basic abc", "Bearer", "Bearer ", "token"] {
            let bad = headers(&[
                (header::AUTHORIZATION, value),
                (header::COOKIE, "__Host-session=ignored"),
            ]);
            assert_eq!(presented_token(&bad), None, "{value:?}");
        }
        assert_eq!(presented_token(&HeaderMap::new()), None);
    }
}
