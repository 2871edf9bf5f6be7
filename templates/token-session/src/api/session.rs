//! `/auth/`: log in, rotate the token, log out here or everywhere.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::json::ApiJson;
use crate::auth::service::{self, Issued};
use crate::auth::{CurrentSession, Transport, cookies};
use crate::error::{Error, Problem};
use crate::schemas::session::{CookieSession, HeaderSession, IssuedSession, LogIn};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(log_in))
        .routes(routes!(rotate))
        .routes(routes!(log_out))
        .routes(routes!(log_out_everywhere))
}

/// Log in
///
/// With `"cookie": false` (the default) the token is in the body, for the `Authorization`
/// header. With `"cookie": true` it is set in the HttpOnly `__Host-session` cookie and the body
/// carries the CSRF token instead.
#[utoipa::path(
    post,
    path = "/auth/token/",
    tag = "auth",
    request_body = LogIn,
    responses(
        (status = OK, description = "A new session; never cached", body = IssuedSession),
        (status = UNAUTHORIZED, description = "Unknown e-mail, wrong password or inactive account",
            body = Problem, content_type = "application/problem+json"),
        (status = UNPROCESSABLE_ENTITY, description = "Malformed e-mail or missing password",
            body = Problem, content_type = "application/problem+json"),
        (status = TOO_MANY_REQUESTS, description = "Too many attempts from this address; see Retry-After",
            body = Problem, content_type = "application/problem+json"),
    )
)]
async fn log_in(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<LogIn>,
) -> Result<Response, Error> {
    state.login_throttle.admit(peer, &headers)?;
    let credentials = body.validate()?;
    let transport = credentials.transport;
    let issued = service::log_in(&state, credentials).await?;
    Ok(session_response(issued, transport))
}

/// Rotate the token
///
/// Issues a new token in the same transport as the one presented and revokes the old one at
/// once. The session keeps its absolute expiry. A token is rotated once: of concurrent
/// rotations of one token, one succeeds and the others answer 401.
#[utoipa::path(
    post,
    path = "/auth/token/rotate/",
    tag = "auth",
    security(("session_token" = []), ("session_cookie" = [])),
    responses(
        (status = OK, description = "The replacement session; never cached", body = IssuedSession),
        (status = UNAUTHORIZED, description = "Missing, expired or revoked session token",
            body = Problem, content_type = "application/problem+json"),
        (status = FORBIDDEN, description = "Cookie session without a matching X-CSRF-Token",
            body = Problem, content_type = "application/problem+json"),
    )
)]
async fn rotate(State(state): State<AppState>, current: CurrentSession) -> Result<Response, Error> {
    let issued = service::rotate(&state, &current.session, current.transport).await?;
    Ok(session_response(issued, current.transport))
}

/// Log out
///
/// Revokes the presented token, with any token rotated from the same login meanwhile, and
/// clears the session cookies.
#[utoipa::path(
    post,
    path = "/auth/logout/",
    tag = "auth",
    security(("session_token" = []), ("session_cookie" = [])),
    responses(
        (status = NO_CONTENT, description = "The token is revoked"),
        (status = UNAUTHORIZED, description = "Missing, expired or revoked session token",
            body = Problem, content_type = "application/problem+json"),
        (status = FORBIDDEN, description = "Cookie session without a matching X-CSRF-Token",
            body = Problem, content_type = "application/problem+json"),
    )
)]
async fn log_out(
    State(state): State<AppState>,
    current: CurrentSession,
) -> Result<Response, Error> {
    service::log_out(&state, &current.session).await?;
    Ok(cleared_session())
}

/// Log out everywhere
///
/// Revokes every token of the signed-in user, on every device, and clears the session cookies.
#[utoipa::path(
    post,
    path = "/auth/logout-all/",
    tag = "auth",
    security(("session_token" = []), ("session_cookie" = [])),
    responses(
        (status = NO_CONTENT, description = "Every token of the user is revoked"),
        (status = UNAUTHORIZED, description = "Missing, expired or revoked session token",
            body = Problem, content_type = "application/problem+json"),
        (status = FORBIDDEN, description = "Cookie session without a matching X-CSRF-Token",
            body = Problem, content_type = "application/problem+json"),
    )
)]
async fn log_out_everywhere(
    State(state): State<AppState>,
    current: CurrentSession,
) -> Result<Response, Error> {
    service::log_out_everywhere(&state, current.user.id).await?;
    Ok(cleared_session())
}

/// A 200 carrying the new session the way its transport needs, never stored by caches.
fn session_response(issued: Issued, transport: Transport) -> Response {
    let expires_at = issued.session.expires_at;
    let mut headers = HeaderMap::new();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    let body = match (transport, issued.csrf) {
        (Transport::Cookie, Some(csrf)) => {
            let max_age = (expires_at - issued.session.created_at).unsigned_abs();
            headers.append(
                header::SET_COOKIE,
                cookies::session(issued.token.expose(), max_age),
            );
            headers.append(header::SET_COOKIE, cookies::csrf(csrf.expose(), max_age));
            IssuedSession::Cookie(CookieSession {
                expires_at,
                csrf_token: csrf.token.expose_secret().to_owned(),
            })
        }
        _ => IssuedSession::Header(HeaderSession {
            token: issued.token.expose().to_owned(),
            token_type: "Bearer".to_owned(),
            expires_at,
        }),
    };
    (StatusCode::OK, headers, ApiJson(body)).into_response()
}

/// 204 with both session cookies expired.
fn cleared_session() -> Response {
    let mut headers = HeaderMap::new();
    for cookie in cookies::cleared() {
        headers.append(header::SET_COOKIE, cookie);
    }
    (StatusCode::NO_CONTENT, headers).into_response()
}
