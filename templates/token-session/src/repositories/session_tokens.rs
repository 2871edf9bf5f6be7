//! Session tokens, looked up by the SHA-256 of the token.

use sqlx::postgres::PgRow;
use sqlx::{FromRow, PgConnection, PgExecutor, Row};
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
    /// The login's first token, for a rotated token; `None` for a new login.
    pub family_id: Option<Uuid>,
    pub issued_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// A live session with its user, as one query finds them.
#[derive(Debug)]
pub struct LiveSession {
    pub user: User,
    pub session_id: Uuid,
    pub family_id: Option<Uuid>,
    pub csrf_hash: Option<Vec<u8>>,
    pub session_created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub last_used_at: OffsetDateTime,
}

impl<'r> FromRow<'r, PgRow> for LiveSession {
    fn from_row(row: &'r PgRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            user: User::from_row(row)?,
            session_id: row.try_get("session_id")?,
            family_id: row.try_get("family_id")?,
            csrf_hash: row.try_get("csrf_hash")?,
            session_created_at: row.try_get("session_created_at")?,
            expires_at: row.try_get("expires_at")?,
            last_used_at: row.try_get("last_used_at")?,
        })
    }
}

impl LiveSession {
    pub fn session(&self) -> SessionToken {
        SessionToken {
            id: self.session_id,
            user_id: self.user.id,
            family_id: self.family_id,
            created_at: self.session_created_at,
            expires_at: self.expires_at,
            last_used_at: self.last_used_at,
        }
    }
}

pub async fn insert(
    db: &mut PgConnection,
    token: NewSessionToken<'_>,
) -> Result<SessionToken, sqlx::Error> {
    sqlx::query_as(
        "INSERT INTO session_tokens \
         (user_id, token_hash, csrf_hash, family_id, created_at, expires_at, last_used_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $5) \
         RETURNING id, user_id, family_id, created_at, expires_at, last_used_at",
    )
    .bind(token.user_id)
    .bind(token.token_hash)
    .bind(token.csrf_hash)
    .bind(token.family_id)
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
         u.updated_at, s.id AS session_id, s.family_id, s.csrf_hash, s.created_at AS session_created_at, \
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
    db: &mut PgConnection,
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
    db: &mut PgConnection,
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

/// What the session lifecycle needs of a user, read under a lock on the user's row.
#[derive(Debug)]
pub struct LockedUser {
    pub password_hash: String,
    pub is_active: bool,
}

crate::models::from_columns!(LockedUser {
    password_hash,
    is_active
});

/// Locks the user's row for the rest of the transaction (`None` if the user is gone).
///
/// Every change to a user's sessions (login, rotation, logout, logout-all) takes this lock
/// first, and so does anything that changes the user's password or revokes their sessions by
/// updating the row. They therefore run one after another, whatever the isolation level: a
/// revocation waiting here sees the token a rotation committed meanwhile, and a rotation
/// waiting here sees the revocation. `SELECT ... FOR UPDATE` works the same on PostgreSQL
/// and CockroachDB.
pub async fn lock_user(
    db: &mut PgConnection,
    user_id: Uuid,
) -> Result<Option<LockedUser>, sqlx::Error> {
    sqlx::query_as("SELECT password_hash, is_active FROM users WHERE id = $1 FOR UPDATE")
        .bind(user_id)
        .fetch_optional(db)
        .await
}

/// Revokes every token of one login (the family `family` of `user_id`) that is not revoked
/// yet; returns how many were.
pub async fn revoke_family(
    db: &mut PgConnection,
    user_id: Uuid,
    family: Uuid,
    now: OffsetDateTime,
) -> Result<u64, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE session_tokens SET revoked_at = $3 \
         WHERE user_id = $1 AND (id = $2 OR family_id = $2) AND revoked_at IS NULL",
    )
    .bind(user_id)
    .bind(family)
    .bind(now)
    .execute(db)
    .await?;
    Ok(result.rows_affected())
}

/// Deletes at most `limit` tokens that were revoked or expired before `dead_before`, or last
/// used before `idle_before`. Returns how many went; fewer than `limit` means none are left.
pub async fn purge_batch(
    db: &mut PgConnection,
    dead_before: OffsetDateTime,
    idle_before: OffsetDateTime,
    limit: i64,
) -> Result<u64, sqlx::Error> {
    let result = sqlx::query(
        "DELETE FROM session_tokens WHERE id IN (\
         SELECT id FROM session_tokens \
         WHERE revoked_at < $1 OR expires_at < $1 OR last_used_at < $2 \
         LIMIT $3)",
    )
    .bind(dead_before)
    .bind(idle_before)
    .bind(limit)
    .execute(db)
    .await?;
    Ok(result.rows_affected())
}
