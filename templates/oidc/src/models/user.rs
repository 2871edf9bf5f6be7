use time::OffsetDateTime;
use uuid::Uuid;

/// A person known to the identity provider, as this service stores them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct User {
    pub id: Uuid,
    /// The provider's `sub`.
    pub subject: String,
    pub created_at: OffsetDateTime,
}
