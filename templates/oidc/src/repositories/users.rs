use sqlx::{PgConnection, PgExecutor};

use crate::models::User;

pub async fn find_by_subject(
    db: impl PgExecutor<'_>,
    subject: &str,
) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as("SELECT id, subject, created_at FROM users WHERE subject = $1")
        .bind(subject)
        .fetch_optional(db)
        .await
}

/// The row of `subject`, inserted if there is none. Racing inserts of one subject meet on its
/// unique constraint and all get the one row.
pub async fn upsert(db: &mut PgConnection, subject: &str) -> Result<User, sqlx::Error> {
    sqlx::query_as(
        "INSERT INTO users (subject) VALUES ($1) \
         ON CONFLICT (subject) DO UPDATE SET subject = EXCLUDED.subject \
         RETURNING id, subject, created_at",
    )
    .bind(subject)
    .fetch_one(db)
    .await
}

/// A page of users, oldest first.
pub async fn list(
    db: impl PgExecutor<'_>,
    limit: i64,
    offset: i64,
) -> Result<Vec<User>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, subject, created_at FROM users ORDER BY created_at, id LIMIT $1 OFFSET $2",
    )
    .bind(limit)
    .bind(offset)
    .fetch_all(db)
    .await
}

pub async fn count(db: impl PgExecutor<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(db)
        .await
}
