//! The rows a signed-in user reads and changes: their own, by id.

use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use crate::models::User;

pub async fn find_by_id(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, email, password_hash, full_name, is_active, created_at, updated_at \
         FROM users WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await
}

/// Changes the given fields; `None` keeps the stored value.
pub async fn update(
    db: &mut PgConnection,
    id: Uuid,
    full_name: Option<&str>,
    password_hash: Option<&str>,
) -> Result<User, sqlx::Error> {
    sqlx::query_as(
        "UPDATE users SET full_name = COALESCE($2, full_name), \
         password_hash = COALESCE($3, password_hash), updated_at = now() \
         WHERE id = $1 \
         RETURNING id, email, password_hash, full_name, is_active, created_at, updated_at",
    )
    .bind(id)
    .bind(full_name)
    .bind(password_hash)
    .fetch_one(db)
    .await
}
