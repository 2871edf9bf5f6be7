use time::OffsetDateTime;
use uuid::Uuid;

/// A person known to the identity provider, as this service stores them.
#[derive(Debug, Clone)]
pub struct User {
    pub id: Uuid,
    /// The provider's `sub`.
    pub subject: String,
    pub created_at: OffsetDateTime,
}

super::from_columns!(User {
    id,
    subject,
    created_at
});
