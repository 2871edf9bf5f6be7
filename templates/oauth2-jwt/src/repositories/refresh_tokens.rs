//! Refresh-token storage: issue, claim once, detect reuse, revoke, purge.
//!
//! Callers run these inside `db::retry::write`: a claim and a revocation of the same family
//! both write the claimed row, so at SERIALIZABLE one of them waits for the other and is
//! retried, and a revocation never misses a successor stored by a concurrent refresh.

use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::models::RefreshToken;
use crate::repositories::user_tokens::UserTokens;

impl UserTokens for RefreshToken {
    const TABLE: &'static str = "refresh_tokens";
}

pub struct NewRefreshToken<'a> {
    pub user_id: Uuid,
    pub family_id: Uuid,
    pub token_hash: &'a [u8],
    pub expires_at: OffsetDateTime,
}

pub async fn insert(db: &mut PgConnection, token: NewRefreshToken<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO refresh_tokens (user_id, family_id, token_hash, expires_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(token.user_id)
    .bind(token.family_id)
    .bind(token.token_hash)
    .bind(token.expires_at)
    .execute(db)
    .await?;
    Ok(())
}

/// Marks the token used if it is unused, unrevoked and unexpired and no token of its family
/// is revoked, in one statement, so two concurrent refreshes with the same token cannot both
/// succeed and no token of a revoked family is ever exchanged.
pub async fn claim(
    db: &mut PgConnection,
    token_hash: &[u8],
    now: OffsetDateTime,
) -> Result<Option<RefreshToken>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE refresh_tokens SET used_at = $2 \
         WHERE token_hash = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $2 \
         AND NOT EXISTS (SELECT 1 FROM refresh_tokens AS revoked \
             WHERE revoked.family_id = refresh_tokens.family_id \
             AND revoked.revoked_at IS NOT NULL) \
         RETURNING id, user_id, family_id, created_at, expires_at, used_at, revoked_at",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(db)
    .await
}

pub async fn find_by_hash(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
) -> Result<Option<RefreshToken>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, user_id, family_id, created_at, expires_at, used_at, revoked_at \
         FROM refresh_tokens WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(db)
    .await
}

/// Revokes every token of a family that is not revoked yet; returns how many were.
pub async fn revoke_family(
    db: &mut PgConnection,
    family_id: Uuid,
    now: OffsetDateTime,
) -> Result<u64, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL",
    )
    .bind(family_id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(result.rows_affected())
}

/// Deletes at most `limit` tokens that expired or were revoked before `dead_before`; returns
/// how many went. One bounded statement, so a large backlog never holds one long transaction.
pub async fn purge_batch(
    db: &mut PgConnection,
    dead_before: OffsetDateTime,
    limit: i64,
) -> Result<u64, sqlx::Error> {
    let result = sqlx::query(
        "DELETE FROM refresh_tokens WHERE id IN (SELECT id FROM refresh_tokens \
         WHERE expires_at < $1 OR revoked_at < $1 LIMIT $2)",
    )
    .bind(dead_before)
    .bind(limit)
    .execute(db)
    .await?;
    Ok(result.rows_affected())
}
