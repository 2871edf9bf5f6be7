//! Logging in and out: issuing, checking, rotating and revoking session tokens.
//!
//! Every write goes through `db::retry::write`. Checking a token is one query; its last use is
//! written at most once a minute, so authenticated reads stay reads.
//!
//! Logging in, rotating and logging out lock the user's row first
//! ([`session_tokens::lock_user`]), so they take turns per user on PostgreSQL and CockroachDB
//! alike: a rotation of a token that a concurrent logout revoked answers 401 instead of
//! issuing a successor, and a logout that waited for a rotation revokes the token it issued.

use std::ops::Range;
use std::time::Duration;

use anyhow::Context;
use secrecy::SecretString;
use time::OffsetDateTime;
use uuid::Uuid;

use super::Transport;
use crate::core::config::AuthConfig;
use crate::core::opaque_token::{self, NewToken};
use crate::core::password_gate;
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

/// At most this many dead tokens go per `purge-tokens` statement.
pub const PURGE_BATCH: u32 = 1000;

/// Checks the credentials and opens a new session. Unknown e-mail, wrong password and
/// inactive account all fail the same way, after the same password work. A password changed
/// (or an account deactivated) while the password was being checked fails the same way too.
pub async fn log_in(state: &AppState, credentials: Credentials) -> Result<Issued, Error> {
    let user = users::find_by_email(&state.pool, &credentials.email).await?;
    let stored_hash = user.as_ref().map(|user| user.password_hash.clone());
    let password_matches = state
        .passwords
        .verify(credentials.password, stored_hash)
        .await
        .context("failed to verify a password")
        .map_err(password_gate::http_error)?;
    let user = match user {
        Some(user) if password_matches && user.is_active => user,
        _ => return Err(Error::BadCredentials),
    };
    let now = state.clock.now();
    let secrets = Secrets::generate(credentials.transport)?;
    let row = secrets.row(user.id, None, now..now + state.token_ttl);
    let verified_hash = user.password_hash.as_str();
    let session = retry::write(&state.pool, |mut tx| {
        Box::pin(async move {
            let current = session_tokens::lock_user(&mut tx, row.user_id).await?;
            if !current.is_some_and(|u| u.is_active && u.password_hash == verified_hash) {
                return Ok((None, tx));
            }
            let session = session_tokens::insert(&mut tx, row).await?;
            Ok((Some(session), tx))
        })
    })
    .await?
    .ok_or(Error::BadCredentials)?;
    tracing::info!(user_id = %user.id, session_id = %session.id, "session opened");
    Ok(secrets.issued(session))
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
                let recorded = session_tokens::record_use(&mut tx, id, now, recorded_since).await?;
                Ok((recorded, tx))
            })
        })
        .await?;
    }
    Ok(Some(live))
}

/// Revokes one session: the presented token and any token rotated from the same login, so a
/// rotation that committed while this logout waited leaves nothing alive.
pub async fn log_out(state: &AppState, session: &SessionToken) -> Result<(), Error> {
    let (user_id, family, now) = (session.user_id, session.family(), state.clock.now());
    retry::write(&state.pool, |mut tx| {
        Box::pin(async move {
            session_tokens::lock_user(&mut tx, user_id).await?;
            let revoked = session_tokens::revoke_family(&mut tx, user_id, family, now).await?;
            Ok((revoked, tx))
        })
    })
    .await?;
    tracing::info!(%user_id, session_id = %session.id, "session closed");
    Ok(())
}

/// Revokes every session of the user, on every device.
pub async fn log_out_everywhere(state: &AppState, user_id: Uuid) -> Result<u64, Error> {
    let now = state.clock.now();
    let revoked = retry::write(&state.pool, |mut tx| {
        Box::pin(async move {
            session_tokens::lock_user(&mut tx, user_id).await?;
            let revoked =
                user_tokens::revoke_all_for_user::<SessionToken>(&mut tx, user_id, now).await?;
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
///
/// Only the rotation that revokes the old token issues a successor: one that finds it already
/// revoked (by a concurrent rotation, logout, or password change) answers 401.
pub async fn rotate(
    state: &AppState,
    session: &SessionToken,
    transport: Transport,
) -> Result<Issued, Error> {
    let (old, now) = (session.id, state.clock.now());
    let secrets = Secrets::generate(transport)?;
    let row = secrets.row(
        session.user_id,
        Some(session.family()),
        now..session.expires_at,
    );
    let rotated = retry::write(&state.pool, |mut tx| {
        Box::pin(async move {
            let user = session_tokens::lock_user(&mut tx, row.user_id).await?;
            if !user.is_some_and(|user| user.is_active)
                || !session_tokens::revoke(&mut tx, old, now).await?
            {
                return Ok((None, tx));
            }
            let session = session_tokens::insert(&mut tx, row).await?;
            Ok((Some(session), tx))
        })
    })
    .await?
    .ok_or(Error::Unauthorized)?;
    tracing::info!(
        user_id = %session.user_id,
        old_session_id = %old,
        session_id = %rotated.id,
        "session token rotated"
    );
    Ok(secrets.issued(rotated))
}

/// Deletes tokens that have been dead (revoked, expired or idle) for longer than the retention
/// period, at most `batch` per statement and transaction, until a batch comes back short, so
/// no statement holds many rows or runs long. Returns how many were deleted.
pub async fn purge(
    pool: &sqlx::PgPool,
    config: &AuthConfig,
    now: OffsetDateTime,
    batch: u32,
) -> Result<u64, Error> {
    let dead_before = now - config.token_retention;
    let idle_before = dead_before - config.token_idle_timeout;
    let purged = retry::delete_in_batches(pool, batch, |mut tx, limit| {
        Box::pin(async move {
            let deleted =
                session_tokens::purge_batch(&mut tx, dead_before, idle_before, limit).await?;
            Ok((deleted, tx))
        })
    })
    .await?;
    Ok(purged)
}

/// The secrets of a session about to be stored.
struct Secrets {
    token: NewToken,
    csrf: Option<NewToken>,
}

impl Secrets {
    /// A token, and for a cookie session its CSRF token.
    fn generate(transport: Transport) -> Result<Self, Error> {
        const NO_RANDOMNESS: &str = "the operating system's random number generator failed";
        let token = NewToken::generate().context(NO_RANDOMNESS)?;
        let csrf = match transport {
            Transport::Cookie => Some(NewToken::generate().context(NO_RANDOMNESS)?),
            Transport::Header => None,
        };
        Ok(Self { token, csrf })
    }

    /// The row that stores these secrets, living from `lifetime.start` until `lifetime.end`.
    fn row(
        &self,
        user_id: Uuid,
        family_id: Option<Uuid>,
        lifetime: Range<OffsetDateTime>,
    ) -> NewSessionToken<'_> {
        NewSessionToken {
            user_id,
            token_hash: &self.token.hash,
            csrf_hash: self.csrf.as_ref().map(|csrf| csrf.hash.as_slice()),
            family_id,
            issued_at: lifetime.start,
            expires_at: lifetime.end,
        }
    }

    fn issued(self, session: SessionToken) -> Issued {
        Issued {
            token: self.token,
            csrf: self.csrf,
            session,
        }
    }
}
