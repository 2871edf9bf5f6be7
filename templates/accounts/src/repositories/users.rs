use sqlx::{PgConnection, PgExecutor};

use crate::models::User;

/// The unique index that makes e-mail addresses case-insensitively unique.
pub const EMAIL_UNIQUE_INDEX: &str = "users_email_lower_key";

#[derive(Clone, Copy)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub password_hash: &'a str,
    pub full_name: &'a str,
}

/// Fails with a unique violation on [`EMAIL_UNIQUE_INDEX`] when the address is taken.
pub async fn insert(db: &mut PgConnection, user: NewUser<'_>) -> Result<User, sqlx::Error> {
    sqlx::query_as(
        "INSERT INTO users (email, password_hash, full_name) VALUES ($1, $2, $3) \
         RETURNING id, email, password_hash, full_name, is_active, created_at, updated_at",
    )
    .bind(user.email)
    .bind(user.password_hash)
    .bind(user.full_name)
    .fetch_one(db)
    .await
}

/// Case-insensitive, served by the unique index on `lower(email)`.
/// The user with this address, whatever its case. An address PostgreSQL text cannot hold (a
/// NUL character) belongs to nobody: registration refuses it, so it is not looked up.
pub async fn find_by_email(
    db: impl PgExecutor<'_>,
    email: &str,
) -> Result<Option<User>, sqlx::Error> {
    if email.contains('\0') {
        return Ok(None);
    }
    sqlx::query_as(
        "SELECT id, email, password_hash, full_name, is_active, created_at, updated_at \
         FROM users WHERE lower(email) = lower($1)",
    )
    .bind(email)
    .fetch_optional(db)
    .await
}
