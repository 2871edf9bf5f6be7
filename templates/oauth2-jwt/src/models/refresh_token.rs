use time::OffsetDateTime;
use uuid::Uuid;

/// A row of `refresh_tokens`. The token itself is never stored, only its SHA-256.
#[derive(Debug, Clone)]
pub struct RefreshToken {
    pub id: Uuid,
    pub user_id: Uuid,
    /// Shared by every token descended from one login.
    pub family_id: Uuid,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    /// Set when the token was exchanged for a new pair; it cannot be used again.
    pub used_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
}

super::from_columns!(RefreshToken {
    id,
    user_id,
    family_id,
    created_at,
    expires_at,
    used_at,
    revoked_at
});
