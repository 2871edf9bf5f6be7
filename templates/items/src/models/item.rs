use time::OffsetDateTime;
use uuid::Uuid;

/// A row of `items`; every item belongs to one user.
#[derive(Debug, Clone)]
pub struct Item {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub title: String,
    pub description: Option<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

super::from_columns!(Item {
    id,
    owner_id,
    title,
    description,
    created_at,
    updated_at
});
