//! The signed-in user's changes to their own account.

use anyhow::Context;
use time::OffsetDateTime;

use crate::core::password_gate;
use crate::db::retry;
use crate::error::Error;
use crate::models::{RefreshToken, User};
use crate::repositories::{profiles, user_tokens};
use crate::schemas::Invalid;
use crate::schemas::profile::AccountChanges;
use crate::state::AppState;

/// Applies changes to the signed-in user, through `db::retry::write`. A password change needs
/// the current password and revokes every refresh token the user holds; the access tokens
/// issued before it stop working too (`CurrentUser` compares their password stamp), so every
/// session must log in again.
pub async fn update(state: &AppState, user: User, changes: AccountChanges) -> Result<User, Error> {
    let mut new_hash = None;
    if let Some(change) = changes.password {
        let current_matches = state
            .passwords
            .verify(change.current, Some(user.password_hash.clone()))
            .await
            .context("failed to verify a password")
            .map_err(password_gate::http_error)?;
        if !current_matches {
            let mut invalid = Invalid::default();
            invalid.add("current_password", "is incorrect");
            return invalid.finish(user);
        }
        let hash = state
            .passwords
            .hash(change.new)
            .await
            .context("failed to hash a password")
            .map_err(password_gate::http_error)?;
        new_hash = Some(hash);
    }

    let (user_id, full_name, new_hash) =
        (user.id, changes.full_name.as_deref(), new_hash.as_deref());
    let (updated, revoked) = retry::write(&state.pool, |mut tx| {
        Box::pin(async move {
            let updated = profiles::update(&mut tx, user_id, full_name, new_hash).await?;
            let mut revoked = None;
            if new_hash.is_some() {
                let now = OffsetDateTime::now_utc();
                revoked = Some(
                    user_tokens::revoke_all_for_user::<RefreshToken>(&mut tx, user_id, now).await?,
                );
            }
            Ok(((updated, revoked), tx))
        })
    })
    .await?;
    if let Some(revoked) = revoked {
        tracing::info!(user_id = %user_id, revoked, "password changed; refresh tokens revoked");
    }
    Ok(updated)
}
