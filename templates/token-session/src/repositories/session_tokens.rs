//! Session tokens, looked up by the SHA-256 of the token.

use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::models::{SessionToken, User};
use crate::repositories::user_tokens::UserTokens;

impl UserTokens for SessionToken {
    const TABLE: &'static str = "session_tokens";
}

#[derive(Clone, Copy)]
pub struct NewSessionToken<'a> {
    pub user_id: Uuid,
    pub token_hash: &'a [u8],
    pub csrf_hash: Option<&'a [u8]>,
    pub issued_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// A live session with its user, as one query finds them.
#[derive(Debug, sqlx::FromRow)]
pub struct LiveSession {
    #[sqlx(flatten)]
    pub user: User,
    pub session_id: Uuid,
    pub csrf_hash: Option<Vec<u8>>,
    pub session_created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub last_used_at: OffsetDateTime,
}

impl LiveSession {
    pub fn session(&self) -> SessionToken {
        SessionToken {
            id: self.session_id,
            user_id: self.user.id,
            created_at: self.session_created_at,
            expires_at: self.expires_at,
            last_used_at: self.last_used_at,
        }
    }
}

pub async fn insert(
    db: impl PgExecutor<'_>,
    token: NewSessionToken<'_>,
) -> Result<SessionToken, sqlx::Error> {
    sqlx::query_as(
        "INSERT INTO session_tokens \
         (user_id, token_hash, csrf_hash, created_at, expires_at, last_used_at) \
         VALUES ($1, $2, $3, $4, $5, $4) \
         RETURNING id, user_id, created_at, expires_at, last_used_at",
    )
    .bind(token.user_id)
    .bind(token.token_hash)
    .bind(token.csrf_hash)
    .bind(token.issued_at)
    .bind(token.expires_at)
    .fetch_one(db)
    .await
}

/// The session of `token_hash` with its user, if the token is neither revoked, nor past its
/// absolute expiry, nor unused since `idle_since`, and its user is active.
pub async fn find_live(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
    now: OffsetDateTime,
    idle_since: OffsetDateTime,
) -> Result<Option<LiveSession>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.id, u.email, u.password_hash, u.full_name, u.is_active, u.created_at, \
         u.updated_at, s.id AS session_id, s.csrf_hash, s.created_at AS session_created_at, \
         s.expires_at, s.last_used_at \
         FROM session_tokens s JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 \
         AND s.last_used_at > $3 AND u.is_active",
    )
    .bind(token_hash)
    .bind(now)
    .bind(idle_since)
    .fetch_optional(db)
    .await
}

/// Records a use, unless one was recorded after `recorded_since`: at most one write a minute.
pub async fn record_use(
    db: impl PgExecutor<'_>,
    id: Uuid,
    now: OffsetDateTime,
    recorded_since: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE session_tokens SET last_used_at = $2 \
         WHERE id = $1 AND last_used_at <= $3 AND revoked_at IS NULL",
    )
    .bind(id)
    .bind(now)
    .bind(recorded_since)
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Revokes one session; `false` if it was already revoked.
pub async fn revoke(
    db: impl PgExecutor<'_>,
    id: Uuid,
    now: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE session_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
    )
    .bind(id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Deletes tokens that were revoked or expired before `dead_before`, or last used before
/// `idle_before`. Returns how many went.
pub async fn purge(
    db: impl PgExecutor<'_>,
    dead_before: OffsetDateTime,
    idle_before: OffsetDateTime,
) -> Result<u64, sqlx::Error> {
    let result = sqlx::query(
        "DELETE FROM session_tokens \
         WHERE revoked_at < $1 OR expires_at < $1 OR last_used_at < $2",
    )
    .bind(dead_before)
    .bind(idle_before)
    .execute(db)
    .await?;
    Ok(result.rows_affected())
}
