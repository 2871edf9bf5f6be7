use time::OffsetDateTime;
use uuid::Uuid;

/// A row of `users`. `Debug` is written by hand so the password hash is never printed.
#[derive(Clone)]
pub struct User {
    pub id: Uuid,
    /// Stored lower-cased.
    pub email: String,
    /// The password hasher's self-describing hash string (algorithm, cost, salt and hash).
    pub password_hash: String,
    pub full_name: String,
    /// Inactive users cannot log in, and whatever they signed in with stops working.
    pub is_active: bool,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

super::from_columns!(User {
    id,
    email,
    password_hash,
    full_name,
    is_active,
    created_at,
    updated_at
});

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("email", &self.email)
            .field("password_hash", &"[redacted]")
            .field("full_name", &self.full_name)
            .field("is_active", &self.is_active)
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .finish()
    }
}
