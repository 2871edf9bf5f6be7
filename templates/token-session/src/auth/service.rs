//! Logging in and out: issuing, checking, rotating and revoking session tokens.
//!
//! Every write goes through `db::retry::write`. Checking a token is one query; its last use is
//! written at most once a minute, so authenticated reads stay reads.

use std::ops::Range;
use std::time::Duration;

use anyhow::Context;
use secrecy::SecretString;
use time::OffsetDateTime;
use uuid::Uuid;

use super::Transport;
use crate::core::config::AuthConfig;
use crate::core::opaque_token::{self, NewToken};
use crate::db::retry;
use crate::error::Error;
use crate::models::SessionToken;
use crate::repositories::session_tokens::{self, LiveSession, NewSessionToken};
use crate::repositories::{user_tokens, users};
use crate::state::AppState;

/// How stale `last_used_at` may get before a request records a new use.
pub const RECORD_USE_EVERY: Duration = Duration::from_secs(60);

/// Credentials that are worth checking against the database.
#[derive(Debug)]
pub struct Credentials {
    /// Lower-cased.
    pub email: String,
    pub password: SecretString,
    pub transport: Transport,
}

/// A freshly issued session: the secrets the client gets, once, and the stored row.
pub struct Issued {
    pub token: NewToken,
    /// The CSRF token of a cookie session.
    pub csrf: Option<NewToken>,
    pub session: SessionToken,
}

/// Checks the credentials and opens a new session. Unknown e-mail, wrong password and
/// inactive account all fail the same way, after the same password work.
pub async fn log_in(state: &AppState, credentials: Credentials) -> Result<Issued, Error> {
    let user = users::find_by_email(&state.pool, &credentials.email).await?;
    let stored_hash = user.as_ref().map(|user| user.password_hash.clone());
    let password_matches = state
        .passwords
        .verify(credentials.password, stored_hash)
        .await
        .context("failed to verify a password")?;
    let user = match user {
        Some(user) if password_matches && user.is_active => user,
        _ => return Err(Error::BadCredentials),
    };
    let now = state.clock.now();
    let lifetime = now..now + state.token_ttl;
    let issued = issue(state, user.id, credentials.transport, lifetime, None).await?;
    tracing::info!(user_id = %user.id, session_id = %issued.session.id, "session opened");
    Ok(issued)
}

/// The live session of a presented token, or `None` if the token is unknown, revoked, expired,
/// idle for too long, or belongs to an inactive user.
pub async fn authenticate(state: &AppState, token: &str) -> Result<Option<LiveSession>, Error> {
    let now = state.clock.now();
    let idle_since = now - state.token_idle_timeout;
    let Some(live) =
        session_tokens::find_live(&state.pool, &opaque_token::hash(token), now, idle_since).await?
    else {
        return Ok(None);
    };
    let recorded_since = now - RECORD_USE_EVERY;
    if live.last_used_at <= recorded_since {
        let id = live.session_id;
        retry::write(&state.pool, |mut tx| {
            Box::pin(async move {
                let recorded =
                    session_tokens::record_use(&mut *tx, id, now, recorded_since).await?;
                Ok((recorded, tx))
            })
        })
        .await?;
    }
    Ok(Some(live))
}

/// Revokes one session.
pub async fn log_out(state: &AppState, session: &SessionToken) -> Result<(), Error> {
    let (id, now) = (session.id, state.clock.now());
    retry::write(&state.pool, |mut tx| {
        Box::pin(async move {
            let revoked = session_tokens::revoke(&mut *tx, id, now).await?;
            Ok((revoked, tx))
        })
    })
    .await?;
    tracing::info!(user_id = %session.user_id, session_id = %id, "session closed");
    Ok(())
}

/// Revokes every session of the user, on every device.
pub async fn log_out_everywhere(state: &AppState, user_id: Uuid) -> Result<u64, Error> {
    let now = state.clock.now();
    let revoked = retry::write(&state.pool, |mut tx| {
        Box::pin(async move {
            let revoked =
                user_tokens::revoke_all_for_user::<SessionToken>(&mut *tx, user_id, now).await?;
            Ok((revoked, tx))
        })
    })
    .await?;
    tracing::info!(%user_id, revoked, "all sessions closed");
    Ok(revoked)
}

/// Replaces the session's token with a new one in the same transport, revoking the old token
/// in the same transaction. The absolute expiry does not move: rotating changes the secret,
/// not how long the login lasts.
pub async fn rotate(
    state: &AppState,
    session: &SessionToken,
    transport: Transport,
) -> Result<Issued, Error> {
    let lifetime = state.clock.now()..session.expires_at;
    let issued = issue(
        state,
        session.user_id,
        transport,
        lifetime,
        Some(session.id),
    )
    .await?;
    tracing::info!(
        user_id = %session.user_id,
        old_session_id = %session.id,
        session_id = %issued.session.id,
        "session token rotated"
    );
    Ok(issued)
}

/// Deletes tokens that have been dead (revoked, expired or idle) for longer than the retention
/// period. Returns how many were deleted.
pub async fn purge(
    pool: &sqlx::PgPool,
    config: &AuthConfig,
    now: OffsetDateTime,
) -> Result<u64, Error> {
    let dead_before = now - config.token_retention;
    let idle_before = dead_before - config.token_idle_timeout;
    let purged = retry::write(pool, |mut tx| {
        Box::pin(async move {
            let purged = session_tokens::purge(&mut *tx, dead_before, idle_before).await?;
            Ok((purged, tx))
        })
    })
    .await?;
    Ok(purged)
}

/// Stores a new token living from `lifetime.start` until `lifetime.end` (revoking `replaces`
/// in the same transaction, if given).
async fn issue(
    state: &AppState,
    user_id: Uuid,
    transport: Transport,
    lifetime: Range<OffsetDateTime>,
    replaces: Option<Uuid>,
) -> Result<Issued, Error> {
    const NO_RANDOMNESS: &str = "the operating system's random number generator failed";
    let token = NewToken::generate().context(NO_RANDOMNESS)?;
    let csrf = match transport {
        Transport::Cookie => Some(NewToken::generate().context(NO_RANDOMNESS)?),
        Transport::Header => None,
    };
    let row = NewSessionToken {
        user_id,
        token_hash: &token.hash,
        csrf_hash: csrf.as_ref().map(|csrf| csrf.hash.as_slice()),
        issued_at: lifetime.start,
        expires_at: lifetime.end,
    };
    let session = retry::write(&state.pool, |mut tx| {
        Box::pin(async move {
            if let Some(old) = replaces {
                session_tokens::revoke(&mut *tx, old, row.issued_at).await?;
            }
            let session = session_tokens::insert(&mut *tx, row).await?;
            Ok((session, tx))
        })
    })
    .await?;
    Ok(Issued {
        token,
        csrf,
        session,
    })
}
