use sqlx::postgres::PgRow;
use sqlx::{FromRow, Row};
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

impl<'r> FromRow<'r, PgRow> for User {
    fn from_row(row: &'r PgRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            id: row.try_get("id")?,
            subject: row.try_get("subject")?,
            created_at: row.try_get("created_at")?,
        })
    }
}
