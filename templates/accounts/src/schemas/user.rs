use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::Invalid;
use crate::error::Error;
use crate::models::User;

pub const MAX_NAME_CHARS: usize = 200;

/// Body of `POST {{ api.prefix }}/users{{ api.slash }}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterUser {
    #[schema(example = "ada@example.com")]
    pub email: String,
    /// At least 8 characters, and no more bytes than the password hasher takes.
    #[schema(value_type = String, format = Password, example = "correct horse battery")]
    pub password: SecretString,
    #[schema(example = "Ada Lovelace")]
    pub full_name: String,
}

/// A registration whose fields passed validation.
#[derive(Debug)]
pub struct NewAccount {
    /// Lower-cased.
    pub email: String,
    pub password: SecretString,
    pub full_name: String,
}

impl RegisterUser {
    pub fn validate(self) -> Result<NewAccount, Error> {
        let mut invalid = Invalid::default();
        let email = invalid.email("email", &self.email);
        invalid.password("password", &self.password);
        let full_name = invalid.text("full_name", &self.full_name, MAX_NAME_CHARS);
        invalid.finish(NewAccount {
            email,
            password: self.password,
            full_name,
        })
    }
}

/// A user as clients see it: never the password hash.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UserResponse {
    pub id: Uuid,
    #[schema(example = "ada@example.com")]
    pub email: String,
    #[schema(example = "Ada Lovelace")]
    pub full_name: String,
    pub is_active: bool,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

impl From<User> for UserResponse {
    fn from(user: User) -> Self {
        Self {
            id: user.id,
            email: user.email,
            full_name: user.full_name,
            is_active: user.is_active,
            created_at: user.created_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn register(email: &str, password: &str, full_name: &str) -> Result<NewAccount, Error> {
        RegisterUser {
            email: email.to_owned(),
            password: password.into(),
            full_name: full_name.to_owned(),
        }
        .validate()
    }

    fn field_errors(result: Result<impl std::fmt::Debug, Error>) -> Vec<String> {
        match result {
            Err(Error::Validation(errors)) => errors.into_keys().collect(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn a_valid_registration_is_normalised() {
        let account = register(" Ada@Example.com", "long enough", " Ada ").unwrap();
        assert_eq!(account.email, "ada@example.com");
        assert_eq!(account.full_name, "Ada");
    }

    #[test]
    fn every_invalid_field_is_reported_at_once() {
        let fields = field_errors(register("not-an-email", "short", ""));
        assert_eq!(fields, ["email", "full_name", "password"]);
    }

    #[test]
    fn the_response_never_carries_the_hash() {
        let now = OffsetDateTime::now_utc();
        let user = User {
            id: Uuid::new_v4(),
            email: "ada@example.com".to_owned(),
            password_hash: "stored-secret-hash".to_owned(),
            full_name: "Ada".to_owned(),
            is_active: true,
            created_at: now,
            updated_at: now,
        };
        let json = serde_json::to_string(&UserResponse::from(user)).unwrap();
        assert!(!json.contains("secret-hash"), "{json}");
    }
}
