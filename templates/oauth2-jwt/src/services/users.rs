//! Accounts: registration, bootstrap creation, profile and password changes.

use anyhow::Context;
use time::OffsetDateTime;

use crate::core::security::password::PasswordHasher;
use crate::error::Error;
use crate::models::User;
use crate::repositories::users::{self, EMAIL_UNIQUE_INDEX, NewUser};
use crate::repositories::{is_unique_violation, refresh_tokens};
use crate::schemas::Invalid;
use crate::schemas::user::{AccountChanges, NewAccount};
use crate::state::AppState;

/// Self-service registration, refused when `ALLOW_REGISTRATION=false`.
pub async fn register(state: &AppState, account: NewAccount) -> Result<User, Error> {
    if !state.allow_registration {
        return Err(Error::Forbidden(
            "Registration is closed; ask an administrator for an account.".into(),
        ));
    }
    create(&state.pool, &state.passwords, account).await
}

/// Creates an account (registration and the `create-user` command).
pub async fn create(
    pool: &sqlx::PgPool,
    passwords: &PasswordHasher,
    account: NewAccount,
) -> Result<User, Error> {
    let password_hash = passwords
        .hash(account.password)
        .await
        .context("failed to hash a password")?;
    let inserted = users::insert(
        pool,
        NewUser {
            email: &account.email,
            password_hash: &password_hash,
            full_name: &account.full_name,
        },
    )
    .await;
    match inserted {
        Ok(user) => {
            tracing::info!(user_id = %user.id, "user created");
            Ok(user)
        }
        Err(error) if is_unique_violation(&error, EMAIL_UNIQUE_INDEX) => Err(Error::Conflict(
            "An account with this e-mail address already exists.".into(),
        )),
        Err(error) => Err(error.into()),
    }
}

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
    let updated = users::update(
        &mut *transaction,
        user.id,
        changes.full_name.as_deref(),
        new_hash.as_deref(),
    )
    .await?;
    if new_hash.is_some() {
        let revoked = refresh_tokens::revoke_all_for_user(
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
