//! Every query is scoped to the owner: another user's item is simply not found.

use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use crate::models::Item;

pub async fn insert(
    db: &mut PgConnection,
    owner_id: Uuid,
    title: &str,
    description: Option<&str>,
) -> Result<Item, sqlx::Error> {
    sqlx::query_as(
        "INSERT INTO items (owner_id, title, description) VALUES ($1, $2, $3) \
         RETURNING id, owner_id, title, description, created_at, updated_at",
    )
    .bind(owner_id)
    .bind(title)
    .bind(description)
    .fetch_one(db)
    .await
}

/// A page of the owner's items, newest first.
pub async fn list(
    db: impl PgExecutor<'_>,
    owner_id: Uuid,
    limit: i64,
    offset: i64,
) -> Result<Vec<Item>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, owner_id, title, description, created_at, updated_at FROM items \
         WHERE owner_id = $1 ORDER BY created_at DESC, id LIMIT $2 OFFSET $3",
    )
    .bind(owner_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(db)
    .await
}

pub async fn count(db: impl PgExecutor<'_>, owner_id: Uuid) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM items WHERE owner_id = $1")
        .bind(owner_id)
        .fetch_one(db)
        .await
}

pub async fn find(
    db: impl PgExecutor<'_>,
    owner_id: Uuid,
    id: Uuid,
) -> Result<Option<Item>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, owner_id, title, description, created_at, updated_at FROM items \
         WHERE id = $1 AND owner_id = $2",
    )
    .bind(id)
    .bind(owner_id)
    .fetch_optional(db)
    .await
}

/// Changes the given fields. `title: None` keeps the title; `description: None` keeps the
/// description and `Some(None)` clears it.
pub async fn update(
    db: &mut PgConnection,
    owner_id: Uuid,
    id: Uuid,
    title: Option<&str>,
    description: Option<Option<&str>>,
) -> Result<Option<Item>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE items SET title = COALESCE($3, title), \
         description = CASE WHEN $4 THEN $5 ELSE description END, updated_at = now() \
         WHERE id = $1 AND owner_id = $2 \
         RETURNING id, owner_id, title, description, created_at, updated_at",
    )
    .bind(id)
    .bind(owner_id)
    .bind(title)
    .bind(description.is_some())
    .bind(description.flatten())
    .fetch_optional(db)
    .await
}

/// Whether an item was deleted.
pub async fn delete(db: &mut PgConnection, owner_id: Uuid, id: Uuid) -> Result<bool, sqlx::Error> {
    let result = sqlx::query("DELETE FROM items WHERE id = $1 AND owner_id = $2")
        .bind(id)
        .bind(owner_id)
        .execute(db)
        .await?;
    Ok(result.rows_affected() > 0)
}
