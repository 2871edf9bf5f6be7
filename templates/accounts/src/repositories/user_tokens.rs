//! What every table of tokens issued to a user has in common: a `user_id` and a `revoked_at`.
//! One query therefore revokes all of a user's tokens, whichever kind the auth layer issues.

use sqlx::{AssertSqlSafe, PgConnection};
use time::OffsetDateTime;
use uuid::Uuid;

/// A kind of token stored one row per token, with `user_id UUID` and `revoked_at TIMESTAMPTZ`.
pub trait UserTokens {
    /// The table's name: a constant of the code, never input.
    const TABLE: &'static str;
}

/// Revokes every token of `user_id` that is not revoked yet (after a password change, or a
/// log-out everywhere); returns how many were.
pub async fn revoke_all_for_user<T: UserTokens>(
    db: &mut PgConnection,
    user_id: Uuid,
    now: OffsetDateTime,
) -> Result<u64, sqlx::Error> {
    let sql = format!(
        "UPDATE {} SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL",
        T::TABLE
    );
    let result = sqlx::query(AssertSqlSafe(sql))
        .bind(user_id)
        .bind(now)
        .execute(db)
        .await?;
    Ok(result.rows_affected())
}
