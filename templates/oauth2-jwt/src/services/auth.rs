//! The token pipeline: password and refresh-token grants, rotation, reuse detection,
//! revocation and the purge of dead refresh tokens.
//!
//! Every write runs through `db::retry::write` (SERIALIZABLE, retried on SQLSTATE 40001): a
//! refresh and a revocation of the same family conflict on the claimed row, so whichever
//! commits second is retried and sees the other's work. Once a revocation has committed, no
//! token of its family can be exchanged again.

use std::time::Duration;

use anyhow::Context;
use secrecy::{ExposeSecret, SecretString};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::core::opaque_token::{self, NewToken};
use crate::db::retry::{self, WriteError};
use crate::models::{RefreshToken, User};
use crate::repositories::refresh_tokens::{self, NewRefreshToken};
use crate::repositories::{profiles, users};
use crate::state::AppState;

/// Rows one purge statement deletes at most.
pub const PURGE_BATCH: u32 = 1000;

/// How long expired and revoked refresh tokens are kept before a purge deletes them.
pub const PURGE_RETENTION: time::Duration = time::Duration::days(7);

/// What a successful grant hands out.
pub struct TokenPair {
    pub access_token: SecretString,
    pub expires_in: Duration,
    pub refresh_token: SecretString,
}

#[derive(Debug, thiserror::Error)]
pub enum GrantError {
    /// Wrong e-mail or password, inactive user, or an unknown, expired, revoked or reused
    /// refresh token: one answer for all, so a client learns nothing about which it was.
    #[error("the credentials or the refresh token are invalid")]
    InvalidGrant,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for GrantError {
    fn from(error: sqlx::Error) -> Self {
        Self::Internal(anyhow::Error::new(error).context("token grant query failed"))
    }
}

impl From<WriteError> for GrantError {
    fn from(error: WriteError) -> Self {
        Self::Internal(anyhow::Error::new(error).context("token grant transaction failed"))
    }
}

/// `grant_type=password`: checks the e-mail and password and starts a new token family.
///
/// An unknown e-mail still costs one bcrypt verification, so response times do not reveal
/// which addresses have accounts. The new token is stored only if the password that was
/// checked is still the user's, so a login racing a password change cannot outlive it.
pub async fn password_grant(
    state: &AppState,
    email: &str,
    password: SecretString,
) -> Result<TokenPair, GrantError> {
    let user = users::find_by_email(&state.pool, email.trim()).await?;
    let stored_hash = user.as_ref().map(|user| user.password_hash.clone());
    let password_matches = state
        .passwords
        .verify(password, stored_hash)
        .await
        .context("failed to verify a password")?;
    let user = match user {
        Some(user) if password_matches && user.is_active => user,
        _ => {
            tracing::info!("password grant refused");
            return Err(GrantError::InvalidGrant);
        }
    };
    let family_id = Uuid::new_v4();
    let refresh = NewToken::generate().context("failed to generate a refresh token")?;
    let (verified, refresh_hash) = (&user, refresh.hash.as_slice());
    let current = retry::write(&state.pool, |mut tx| {
        Box::pin(async move {
            let current = profiles::find_by_id(&mut *tx, verified.id)
                .await?
                .filter(|current| {
                    current.is_active && current.password_hash == verified.password_hash
                });
            if let Some(current) = &current {
                store(state, &mut tx, current.id, family_id, refresh_hash).await?;
            }
            Ok((current, tx))
        })
    })
    .await?;
    let Some(current) = current else {
        tracing::info!(user_id = %user.id, "password grant refused: the account changed meanwhile");
        return Err(GrantError::InvalidGrant);
    };
    let pair = pair(state, &current, refresh)?;
    tracing::info!(user_id = %current.id, %family_id, "password grant succeeded");
    Ok(pair)
}

/// What one refresh transaction did.
enum Refreshed {
    /// The token was claimed and its successor stored for this user.
    Rotated(User),
    /// The token had been used before: its family is now revoked.
    Reused { stored: RefreshToken, revoked: u64 },
    /// The token was claimed, but its user is gone or inactive: its family is now revoked.
    Inactive(RefreshToken),
    /// Unknown, expired or revoked, or of a revoked family.
    Refused,
}

/// `grant_type=refresh_token`: exchanges a refresh token, once, for a new pair in the same
/// family. Presenting a token that was already exchanged revokes the whole family: either the
/// client or an attacker holds a stolen copy, and the server cannot tell which.
pub async fn refresh_grant(
    state: &AppState,
    token: &SecretString,
) -> Result<TokenPair, GrantError> {
    let token_hash = opaque_token::hash(token.expose_secret());
    let successor = NewToken::generate().context("failed to generate a refresh token")?;
    let (token_hash, successor_hash) = (token_hash.as_slice(), successor.hash.as_slice());
    let refreshed = retry::write(&state.pool, |mut tx| {
        Box::pin(async move {
            let refreshed = refresh_in(state, &mut tx, token_hash, successor_hash).await?;
            Ok((refreshed, tx))
        })
    })
    .await?;
    match refreshed {
        Refreshed::Rotated(user) => pair(state, &user, successor),
        Refreshed::Reused { stored, revoked } => {
            tracing::warn!(
                user_id = %stored.user_id,
                family_id = %stored.family_id,
                revoked,
                "refresh token reused; its family is revoked"
            );
            Err(GrantError::InvalidGrant)
        }
        Refreshed::Inactive(claimed) => {
            tracing::info!(user_id = %claimed.user_id, "refresh refused: the user is inactive");
            Err(GrantError::InvalidGrant)
        }
        Refreshed::Refused => Err(GrantError::InvalidGrant),
    }
}

/// One attempt of a refresh: claim, or detect reuse, or refuse.
async fn refresh_in(
    state: &AppState,
    tx: &mut retry::Tx,
    token_hash: &[u8],
    successor_hash: &[u8],
) -> Result<Refreshed, sqlx::Error> {
    let now = OffsetDateTime::now_utc();
    let Some(claimed) = refresh_tokens::claim(tx, token_hash, now).await? else {
        let reused = refresh_tokens::find_by_hash(&mut **tx, token_hash)
            .await?
            .filter(|stored| stored.used_at.is_some());
        let Some(stored) = reused else {
            return Ok(Refreshed::Refused);
        };
        let revoked = refresh_tokens::revoke_family(tx, stored.family_id, now).await?;
        return Ok(Refreshed::Reused { stored, revoked });
    };
    match profiles::find_by_id(&mut **tx, claimed.user_id).await? {
        Some(user) if user.is_active => {
            store(state, tx, user.id, claimed.family_id, successor_hash).await?;
            Ok(Refreshed::Rotated(user))
        }
        _ => {
            refresh_tokens::revoke_family(tx, claimed.family_id, now).await?;
            Ok(Refreshed::Inactive(claimed))
        }
    }
}

/// Revokes the family of a refresh token (RFC 7009). Unknown tokens are ignored, as the RFC
/// asks, so the answer reveals nothing.
pub async fn revoke(state: &AppState, token: &SecretString) -> Result<(), GrantError> {
    let token_hash = opaque_token::hash(token.expose_secret());
    let token_hash = token_hash.as_slice();
    let revoked = retry::write(&state.pool, |mut tx| {
        Box::pin(async move {
            let Some(stored) = refresh_tokens::find_by_hash(&mut *tx, token_hash).await? else {
                return Ok((None, tx));
            };
            let now = OffsetDateTime::now_utc();
            refresh_tokens::revoke_family(&mut tx, stored.family_id, now).await?;
            Ok((Some(stored), tx))
        })
    })
    .await?;
    if let Some(stored) = revoked {
        tracing::info!(user_id = %stored.user_id, family_id = %stored.family_id, "refresh token revoked");
    }
    Ok(())
}

/// Deletes refresh tokens that expired or were revoked more than [`PURGE_RETENTION`] before
/// `now`, at most `batch_size` rows per transaction, until none is left; returns how many went.
pub async fn purge(
    pool: &sqlx::PgPool,
    now: OffsetDateTime,
    batch_size: u32,
) -> Result<u64, WriteError> {
    let dead_before = now - PURGE_RETENTION;
    retry::delete_in_batches(pool, batch_size, |mut tx, limit| {
        Box::pin(async move {
            let deleted = refresh_tokens::purge_batch(&mut tx, dead_before, limit).await?;
            Ok((deleted, tx))
        })
    })
    .await
}

/// Stores a refresh token of `family_id` for `user_id`.
async fn store(
    state: &AppState,
    tx: &mut retry::Tx,
    user_id: Uuid,
    family_id: Uuid,
    token_hash: &[u8],
) -> Result<(), sqlx::Error> {
    let expires_at = OffsetDateTime::now_utc() + state.refresh_token_ttl;
    refresh_tokens::insert(
        tx,
        NewRefreshToken {
            user_id,
            family_id,
            token_hash,
            expires_at,
        },
    )
    .await
}

/// Signs an access token for `user` (bound to their current password) beside `refresh`.
fn pair(state: &AppState, user: &User, refresh: NewToken) -> Result<TokenPair, GrantError> {
    let access = state
        .access_tokens
        .issue(user.id, &user.password_hash)
        .context("failed to sign an access token")?;
    Ok(TokenPair {
        access_token: access.token,
        expires_in: access.expires_in,
        refresh_token: refresh.token,
    })
}
