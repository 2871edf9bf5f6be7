//! The signed-in user's changes to their own account: a new name or a new password.

use secrecy::SecretString;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

use super::Invalid;
use super::user::MAX_NAME_CHARS;
use crate::error::Error;

/// Body of `PATCH /api/v1/users/me`: every field is optional.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"full_name": "Ada King"}))]
pub struct UpdateUser {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$",
        example = "Ada King"
    )]
    pub full_name: Option<String>,
    /// The new password, 8 characters to 71 bytes; requires `current_password`.
    #[schema(schema_with = optional_new_password_schema)]
    pub password: Option<SecretString>,
    #[schema(value_type = Option<String>, format = Password)]
    pub current_password: Option<SecretString>,
}

/// The new password's schema, which may also be `null`.
fn optional_new_password_schema() -> Schema {
    Schema::AnyOf(
        super::credentials::password_branches()
            .item(ObjectBuilder::new().schema_type(Type::Null))
            .build(),
    )
}

/// A validated change to the current user.
#[derive(Debug)]
pub struct AccountChanges {
    pub full_name: Option<String>,
    pub password: Option<PasswordChange>,
}

#[derive(Debug)]
pub struct PasswordChange {
    pub current: SecretString,
    pub new: SecretString,
}

impl UpdateUser {
    pub fn validate(self) -> Result<AccountChanges, Error> {
        let mut invalid = Invalid::default();
        let full_name = self
            .full_name
            .map(|name| invalid.text("full_name", &name, MAX_NAME_CHARS));
        let password = match (self.password, self.current_password) {
            (Some(new), Some(current)) => {
                invalid.password("password", &new);
                Some(PasswordChange { current, new })
            }
            (Some(new), None) => {
                invalid.password("password", &new);
                invalid.add("current_password", "is required to change the password");
                None
            }
            (None, Some(_)) => {
                invalid.add("password", "is required when current_password is given");
                None
            }
            (None, None) => None,
        };
        invalid.finish(AccountChanges {
            full_name,
            password,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::validate::{TEXT_PATTERN, documented};
    use super::*;

    #[test]
    fn the_schema_declares_what_validation_checks() {
        let full_name = documented::<UpdateUser>("full_name");
        assert_eq!(full_name["minLength"], 1);
        assert_eq!(full_name["maxLength"], MAX_NAME_CHARS);
        assert_eq!(full_name["pattern"], TEXT_PATTERN);
        let password = documented::<UpdateUser>("password");
        let mut branches = documented::<crate::schemas::user::RegisterUser>("password");
        let branches = branches["anyOf"].as_array_mut().unwrap();
        branches.push(serde_json::json!({"type": "null"}));
        assert_eq!(
            &password["anyOf"],
            &serde_json::Value::from(branches.clone())
        );
    }

    fn field_errors(result: Result<impl std::fmt::Debug, Error>) -> Vec<String> {
        match result {
            Err(Error::Validation(errors)) => errors.into_keys().collect(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn a_new_password_needs_the_current_one() {
        let update = UpdateUser {
            full_name: None,
            password: Some("new password".into()),
            current_password: None,
        };
        assert_eq!(field_errors(update.validate()), ["current_password"]);
    }

    #[test]
    fn a_current_password_alone_is_refused() {
        let update = UpdateUser {
            full_name: None,
            password: None,
            current_password: Some("old password".into()),
        };
        assert_eq!(field_errors(update.validate()), ["password"]);
    }
}
