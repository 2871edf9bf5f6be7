//! The token pipeline: password and refresh-token grants, rotation, reuse detection, revocation.

use std::time::Duration;

use anyhow::Context;
use secrecy::{ExposeSecret, SecretString};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::core::opaque_token::{self, NewToken};
use crate::repositories::refresh_tokens::{self, NewRefreshToken};
use crate::repositories::{profiles, users};
use crate::state::AppState;

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

/// `grant_type=password`: checks the e-mail and password and starts a new token family.
///
/// An unknown e-mail still costs one bcrypt verification, so response times do not reveal
/// which addresses have accounts.
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
    match user {
        Some(user) if password_matches && user.is_active => {
            let family_id = Uuid::new_v4();
            let pair = issue_pair(state, &state.pool, user.id, family_id).await?;
            tracing::info!(user_id = %user.id, %family_id, "password grant succeeded");
            Ok(pair)
        }
        _ => {
            tracing::info!("password grant refused");
            Err(GrantError::InvalidGrant)
        }
    }
}

/// `grant_type=refresh_token`: exchanges a refresh token, once, for a new pair in the same
/// family. Presenting a token that was already exchanged revokes the whole family: either the
/// client or an attacker holds a stolen copy, and the server cannot tell which.
pub async fn refresh_grant(
    state: &AppState,
    token: &SecretString,
) -> Result<TokenPair, GrantError> {
    let token_hash = opaque_token::hash(token.expose_secret());
    let now = OffsetDateTime::now_utc();
    let mut transaction = state.pool.begin().await?;

    let Some(claimed) = refresh_tokens::claim(&mut *transaction, &token_hash, now).await? else {
        let reused = refresh_tokens::find_by_hash(&mut *transaction, &token_hash)
            .await?
            .filter(|stored| stored.used_at.is_some());
        if let Some(stored) = reused {
            let revoked =
                refresh_tokens::revoke_family(&mut *transaction, stored.family_id, now).await?;
            transaction.commit().await?;
            tracing::warn!(
                user_id = %stored.user_id,
                family_id = %stored.family_id,
                revoked,
                "refresh token reused; its family is revoked"
            );
        }
        return Err(GrantError::InvalidGrant);
    };

    let user = profiles::find_by_id(&mut *transaction, claimed.user_id).await?;
    if !user.is_some_and(|user| user.is_active) {
        refresh_tokens::revoke_family(&mut *transaction, claimed.family_id, now).await?;
        transaction.commit().await?;
        tracing::info!(user_id = %claimed.user_id, "refresh refused: the user is inactive");
        return Err(GrantError::InvalidGrant);
    }

    let pair = issue_pair(state, &mut *transaction, claimed.user_id, claimed.family_id).await?;
    transaction.commit().await?;
    Ok(pair)
}

/// Revokes the family of a refresh token (RFC 7009). Unknown tokens are ignored, as the RFC
/// asks, so the answer reveals nothing.
pub async fn revoke(state: &AppState, token: &SecretString) -> Result<(), GrantError> {
    let token_hash = opaque_token::hash(token.expose_secret());
    if let Some(stored) = refresh_tokens::find_by_hash(&state.pool, &token_hash).await? {
        refresh_tokens::revoke_family(&state.pool, stored.family_id, OffsetDateTime::now_utc())
            .await?;
        tracing::info!(user_id = %stored.user_id, family_id = %stored.family_id, "refresh token revoked");
    }
    Ok(())
}

async fn issue_pair(
    state: &AppState,
    db: impl sqlx::PgExecutor<'_>,
    user_id: Uuid,
    family_id: Uuid,
) -> Result<TokenPair, GrantError> {
    let access = state
        .access_tokens
        .issue(user_id)
        .context("failed to sign an access token")?;
    let refresh = NewToken::generate().context("failed to generate a refresh token")?;
    let expires_at = OffsetDateTime::now_utc() + state.refresh_token_ttl;
    refresh_tokens::insert(
        db,
        NewRefreshToken {
            user_id,
            family_id,
            token_hash: &refresh.hash,
            expires_at,
        },
    )
    .await?;
    Ok(TokenPair {
        access_token: access.token,
        expires_in: access.expires_in,
        refresh_token: refresh.token,
    })
}
