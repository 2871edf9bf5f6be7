//! Accounts: registration and bootstrap creation, every insert through `db::retry::write`.

use anyhow::Context;

use crate::auth::password::PasswordHasher;
use crate::core::password_gate;
use crate::db::retry::{self, WriteError};
use crate::error::Error;
use crate::models::User;
use crate::repositories::is_unique_violation;
use crate::repositories::users::{self, EMAIL_UNIQUE_INDEX, NewUser};
use crate::schemas::user::NewAccount;
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
        .context("failed to hash a password")
        .map_err(password_gate::http_error)?;
    let new_user = NewUser {
        email: &account.email,
        password_hash: &password_hash,
        full_name: &account.full_name,
    };
    let inserted = retry::write(pool, |mut tx| {
        Box::pin(async move {
            let user = users::insert(&mut tx, new_user).await?;
            Ok((user, tx))
        })
    })
    .await;
    match inserted {
        Ok(user) => {
            tracing::info!(user_id = %user.id, "user created");
            Ok(user)
        }
        Err(WriteError::Database(error)) if is_unique_violation(&error, EMAIL_UNIQUE_INDEX) => Err(
            Error::Conflict("An account with this e-mail address already exists.".into()),
        ),
        Err(error) => Err(error.into()),
    }
}
