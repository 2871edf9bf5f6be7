//! The extractors protected handlers take. They are the only way into the API with a token, so
//! no handler can forget to check one:
//!
//! - [`Caller`]: the verified token's identity (subject, session, roles);
//! - [`CurrentUser`]: the local user row of that subject, created on first sight;
//! - [`Admin`]: a caller holding the administrators' role (`OIDC_ADMIN_ROLE`), 403 otherwise.
//!
//! Every protected request is counted against its client's request budget; a presented token
//! that fails verification is counted against the client's much smaller failure budget, and a
//! client without failures left gets 429 until its bucket refills.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use super::credentials::{Credential, credential, is_same_origin};
use super::verifier::Identity;
use crate::error::Error;
use crate::models::User;
use crate::services::users;
use crate::state::AppState;

/// The identity of a request's valid token.
#[derive(Debug, Clone)]
pub struct Caller(pub Identity);

/// The local user of a request's valid token.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub User);

/// A caller whose token grants the administrators' role.
#[derive(Debug, Clone)]
pub struct Admin(pub Identity);

impl FromRequestParts<AppState> for Caller {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        // Another extractor of this request already verified the token.
        if let Some(caller) = parts.extensions.get::<Self>() {
            return Ok(caller.clone());
        }
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(peer)| *peer)
            .ok_or_else(|| {
                Error::Internal(anyhow::anyhow!("the server runs without peer addresses"))
            })?;
        let limits = &state.client_limits;
        let client = limits.client_address(peer, &parts.headers);
        limits.admit(client)?;

        let token = match credential(&parts.headers) {
            Credential::Bearer(token) => token,
            Credential::Cookie(token) => {
                if !is_same_origin(&parts.method, &parts.headers, &state.trusted_origins) {
                    return Err(Error::Forbidden(
                        "A cookie-authenticated change must come from this site's own pages."
                            .into(),
                    ));
                }
                token
            }
            Credential::Absent => return Err(Error::Unauthorized),
            Credential::Malformed => {
                return Err(limits.failed(client).unwrap_or(Error::Unauthorized));
            }
        };
        let identity = state.tokens.verify(token).await.map_err(|error| {
            if let Some(retry_after) = error.retry_after() {
                return Error::ServiceUnavailable {
                    detail:
                        "The identity provider cannot be reached to check the token; try again."
                            .into(),
                    retry_after: Some(retry_after),
                };
            }
            // The reason only: the causes beneath it may quote parts of the token.
            tracing::debug!(reason = %error, %client, "token refused");
            limits.failed(client).unwrap_or(Error::Unauthorized)
        })?;
        let caller = Self(identity);
        parts.extensions.insert(caller.clone());
        Ok(caller)
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let Caller(identity) = Caller::from_request_parts(parts, state).await?;
        let user = users::for_subject(state, &identity.subject).await?;
        Ok(Self(user))
    }
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let Caller(identity) = Caller::from_request_parts(parts, state).await?;
        if !identity.has_role(&state.admin_role) {
            return Err(Error::Forbidden(
                format!("This endpoint needs the {} role.", state.admin_role).into(),
            ));
        }
        Ok(Self(identity))
    }
}
