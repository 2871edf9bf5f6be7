use time::OffsetDateTime;
use uuid::Uuid;

/// A row of `session_tokens`, as the authentication of a request needs it. The token's hashes
/// are left out: nothing outside the lookup has any use for them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionToken {
    pub id: Uuid,
    pub user_id: Uuid,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    /// Recorded at most once a minute, so reads stay reads.
    pub last_used_at: OffsetDateTime,
}
