use time::OffsetDateTime;
use uuid::Uuid;

/// A row of `session_tokens`, as the authentication of a request needs it. The token's hashes
/// are left out: nothing outside the lookup has any use for them.
#[derive(Debug, Clone)]
pub struct SessionToken {
    pub id: Uuid,
    pub user_id: Uuid,
    /// The first token of the login this one was rotated from; `None` on that first token.
    pub family_id: Option<Uuid>,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    /// Recorded at most once a minute, so reads stay reads.
    pub last_used_at: OffsetDateTime,
}

super::from_columns!(SessionToken {
    id,
    user_id,
    family_id,
    created_at,
    expires_at,
    last_used_at
});

impl SessionToken {
    /// The login this token belongs to: every token rotated from one login shares it.
    pub fn family(&self) -> Uuid {
        self.family_id.unwrap_or(self.id)
    }
}
