//! `POST /auth/token` (RFC 6749 password and refresh-token grants) and `POST /auth/revoke`
//! (RFC 7009). Both take form-encoded bodies and answer the OAuth2 error format, not problem
//! documents, because OAuth2 clients expect it.

use std::net::SocketAddr;

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::json::ApiJson;
use crate::core::password_gate;
use crate::error::Problem;
use crate::schemas::token::{
    OAuthErrorCode, OAuthErrorResponse, RevokeRequest, TokenRequest, TokenResponse,
};
use crate::services::auth::{self, GrantError, TokenPair};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(token))
        .routes(routes!(revoke))
}

/// Issue tokens
///
/// `grant_type=password` with `username` (the e-mail address) and `password`, or
/// `grant_type=refresh_token` with `refresh_token`. Each refresh token works once: using it
/// returns a new pair, and using it again revokes every token descended from the same login.
#[utoipa::path(
    post,
    path = "/auth/token",
    tag = "auth",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = OK, description = "A new access token and refresh token", body = TokenResponse),
        (status = BAD_REQUEST, description = "invalid_request, invalid_grant or unsupported_grant_type",
            body = OAuthErrorResponse),
        (status = TOO_MANY_REQUESTS, description = "Too many password attempts from this address; see Retry-After",
            body = Problem, content_type = "application/problem+json"),
    )
)]
async fn token(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<TokenRequest>, FormRejection>,
) -> Response {
    let Form(request) = match form {
        Ok(form) => form,
        Err(rejection) => {
            return OAuthError::invalid_request(rejection.body_text()).into_response();
        }
    };
    let granted = match request.grant_type.as_deref() {
        Some("password") => {
            let (Some(username), Some(password)) = (request.username, request.password) else {
                return OAuthError::invalid_request(
                    "The password grant needs `username` and `password`.",
                )
                .into_response();
            };
            // Only password guesses are limited; refresh tokens are too long to guess.
            if let Err(throttled) = state.login_throttle.admit(peer, &headers) {
                return throttled.into_response();
            }
            auth::password_grant(&state, &username, password).await
        }
        Some("refresh_token") => {
            let Some(refresh_token) = request.refresh_token else {
                return OAuthError::invalid_request(
                    "The refresh_token grant needs `refresh_token`.",
                )
                .into_response();
            };
            auth::refresh_grant(&state, &refresh_token).await
        }
        Some(other) => {
            return OAuthError::Grant {
                code: OAuthErrorCode::UnsupportedGrantType,
                description: format!(
                    "grant_type `{other}` is not supported; use `password` or `refresh_token`."
                ),
            }
            .into_response();
        }
        None => return OAuthError::invalid_request("`grant_type` is required.").into_response(),
    };
    match granted {
        Ok(pair) => no_store(ApiJson(token_response(pair))),
        Err(error) => OAuthError::from(error).into_response(),
    }
}

/// Revoke a refresh token
///
/// Revokes the refresh token and every token descended from the same login. Answers 200
/// whether or not the token existed (RFC 7009). Access tokens stay valid until they expire.
#[utoipa::path(
    post,
    path = "/auth/revoke",
    tag = "auth",
    request_body(content = RevokeRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = OK, description = "The token is revoked, or never existed"),
        (status = BAD_REQUEST, description = "invalid_request: no `token`", body = OAuthErrorResponse),
    )
)]
async fn revoke(
    State(state): State<AppState>,
    form: Result<Form<RevokeRequest>, FormRejection>,
) -> Response {
    let Form(request) = match form {
        Ok(form) => form,
        Err(rejection) => {
            return OAuthError::invalid_request(rejection.body_text()).into_response();
        }
    };
    let Some(token) = request
        .token
        .filter(|token| !token.expose_secret().is_empty())
    else {
        return OAuthError::invalid_request("`token` is required.").into_response();
    };
    match auth::revoke(&state, &token).await {
        Ok(()) => no_store(StatusCode::OK),
        Err(error) => OAuthError::from(error).into_response(),
    }
}

fn token_response(pair: TokenPair) -> TokenResponse {
    TokenResponse {
        access_token: pair.access_token.expose_secret().to_owned(),
        token_type: "bearer".to_owned(),
        expires_in: pair.expires_in.as_secs(),
        refresh_token: pair.refresh_token.expose_secret().to_owned(),
    }
}

/// Token responses must never be cached (RFC 6749 section 5.1).
fn no_store(response: impl IntoResponse) -> Response {
    let mut response = response.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// An RFC 6749 error; internal failures become a 500 problem document instead.
enum OAuthError {
    Grant {
        code: OAuthErrorCode,
        description: String,
    },
    Internal(anyhow::Error),
}

impl OAuthError {
    fn invalid_request(description: impl Into<String>) -> Self {
        Self::Grant {
            code: OAuthErrorCode::InvalidRequest,
            description: description.into(),
        }
    }
}

impl From<GrantError> for OAuthError {
    fn from(error: GrantError) -> Self {
        match error {
            GrantError::InvalidGrant => Self::Grant {
                code: OAuthErrorCode::InvalidGrant,
                description: "The credentials or the refresh token are invalid.".to_owned(),
            },
            GrantError::Internal(error) => Self::Internal(error),
        }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        match self {
            Self::Grant { code, description } => no_store((
                StatusCode::BAD_REQUEST,
                ApiJson(OAuthErrorResponse {
                    error: code,
                    error_description: description,
                }),
            )),
            // Logged with its cause chain by `Error`'s own response; saturated password
            // hashing is a 503, not a failure.
            Self::Internal(error) => no_store(password_gate::http_error(error)),
        }
    }
}
