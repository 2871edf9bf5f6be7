//! Responses about users: the caller, and the administrators' listing.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Identity;
use crate::models::User;

/// The caller: the local user and what the token says.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MeResponse {
    pub id: Uuid,
    /// The identity provider's id of the user (`sub`).
    #[schema(example = "user_2abc123")]
    pub subject: String,
    /// The provider's session (`sid`), when the token has one.
    #[schema(example = "sess_2xyz789")]
    pub session_id: Option<String>,
    /// Roles from the token's roles claim.
    #[schema(example = json!(["admin"]))]
    pub roles: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

impl MeResponse {
    pub fn new(user: User, identity: Identity) -> Self {
        Self {
            id: user.id,
            subject: user.subject,
            session_id: identity.session_id,
            roles: identity.roles,
            created_at: user.created_at,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UserResponse {
    pub id: Uuid,
    #[schema(example = "user_2abc123")]
    pub subject: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

impl From<User> for UserResponse {
    fn from(user: User) -> Self {
        Self {
            id: user.id,
            subject: user.subject,
            created_at: user.created_at,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UserPage {
    pub users: Vec<UserResponse>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}
