//! The signed-in user's changes to their own account.

use anyhow::Context;
use time::OffsetDateTime;

use crate::error::Error;
use crate::models::{RefreshToken, User};
use crate::repositories::{profiles, user_tokens};
use crate::schemas::Invalid;
use crate::schemas::profile::AccountChanges;
use crate::state::AppState;

/// Applies changes to the signed-in user. A password change needs the current password and
/// revokes every refresh token the user holds, signing out other sessions.
pub async fn update(state: &AppState, user: User, changes: AccountChanges) -> Result<User, Error> {
    let mut new_hash = None;
    if let Some(change) = changes.password {
        let current_matches = state
            .passwords
            .verify(change.current, Some(user.password_hash.clone()))
            .await
            .context("failed to verify a password")?;
        if !current_matches {
            let mut invalid = Invalid::default();
            invalid.add("current_password", "is incorrect");
            return invalid.finish(user);
        }
        let hash = state
            .passwords
            .hash(change.new)
            .await
            .context("failed to hash a password")?;
        new_hash = Some(hash);
    }

    let mut transaction = state.pool.begin().await?;
    let updated = profiles::update(
        &mut *transaction,
        user.id,
        changes.full_name.as_deref(),
        new_hash.as_deref(),
    )
    .await?;
    if new_hash.is_some() {
        let revoked = user_tokens::revoke_all_for_user::<RefreshToken>(
            &mut *transaction,
            user.id,
            OffsetDateTime::now_utc(),
        )
        .await?;
        tracing::info!(user_id = %user.id, revoked, "password changed; refresh tokens revoked");
    }
    transaction.commit().await?;
    Ok(updated)
}
