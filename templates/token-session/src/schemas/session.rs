//! Bodies of the `/auth/` endpoints.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::Invalid;
use crate::auth::Transport;
use crate::auth::password::MAX_PASSWORD_BYTES;
use crate::auth::service::Credentials;
use crate::error::Error;

/// Body of `POST /auth/token/`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LogIn {
    #[schema(format = Email, max_length = 254, example = "ada@example.com")]
    pub email: String,
    #[schema(
        value_type = String,
        format = Password,
        min_length = 1,
        max_length = 1024,
        example = "correct horse battery"
    )]
    pub password: SecretString,
    /// `true` for browsers: the token is set as an HttpOnly cookie instead of returned.
    #[serde(default)]
    pub cookie: bool,
}

impl LogIn {
    /// Only the shape is checked here (an address, a password of acceptable length): whether
    /// they belong together is the login's business, and gets one answer for every failure.
    pub fn validate(self) -> Result<Credentials, Error> {
        let mut invalid = Invalid::default();
        let email = invalid.email("email", &self.email);
        invalid.present_password("password", &self.password);
        invalid.finish(Credentials {
            email,
            password: self.password,
            transport: if self.cookie {
                Transport::Cookie
            } else {
                Transport::Header
            },
        })
    }
}

/// The answer to a header client: the token, to be sent as `Authorization: Bearer <token>`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct HeaderSession {
    /// 256 random bits, base64url. Shown once; only its hash is stored.
    pub token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: OffsetDateTime,
}

/// The answer to a browser: the token went into the `__Host-session` cookie; the CSRF token
/// (also in the readable `__Host-csrf` cookie) must accompany every unsafe request.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CookieSession {
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: OffsetDateTime,
    /// Send it back in `X-CSRF-Token`.
    pub csrf_token: String,
}

/// One of the two answers, depending on the client's `cookie` choice.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum IssuedSession {
    Header(HeaderSession),
    Cookie(CookieSession),
}

impl Invalid {
    /// A login password: present and within the length any stored password can have.
    pub fn present_password(&mut self, field: &'static str, password: &SecretString) {
        let password = password.expose_secret();
        if password.is_empty() {
            self.add(field, "is required");
        } else if password.len() > MAX_PASSWORD_BYTES {
            self.add(field, format!("must be at most {MAX_PASSWORD_BYTES} bytes"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::credentials::MAX_EMAIL_CHARS;
    use super::super::validate::documented;
    use super::*;

    #[test]
    fn the_login_schema_declares_what_validation_checks() {
        let email = documented::<LogIn>("email");
        assert_eq!(email["format"], "email");
        assert_eq!(email["maxLength"], MAX_EMAIL_CHARS);
        let password = documented::<LogIn>("password");
        assert_eq!(password["minLength"], 1);
        assert_eq!(password["maxLength"], MAX_PASSWORD_BYTES);
    }

    fn log_in(email: &str, password: &str, cookie: bool) -> Result<Credentials, Error> {
        LogIn {
            email: email.to_owned(),
            password: password.into(),
            cookie,
        }
        .validate()
    }

    #[test]
    fn the_client_chooses_the_transport() {
        let header = log_in("Ada@Example.com", "whatever", false).unwrap();
        assert_eq!(header.transport, Transport::Header);
        assert_eq!(header.email, "ada@example.com");
        let cookie = log_in("ada@example.com", "whatever", true).unwrap();
        assert_eq!(cookie.transport, Transport::Cookie);
    }

    #[test]
    fn cookie_defaults_to_false() {
        let body: LogIn =
            serde_json::from_str(r#"{"email": "ada@example.com", "password": "x"}"#).unwrap();
        assert!(!body.cookie);
    }

    #[test]
    fn a_malformed_address_or_missing_password_is_a_field_error() {
        match log_in("nobody", "", false) {
            Err(Error::Validation(fields)) => {
                assert_eq!(
                    fields.into_keys().collect::<Vec<_>>(),
                    ["email", "password"]
                );
            }
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn a_login_password_must_be_present_and_bounded() {
        let check = |password: &str| {
            crate::schemas::validate::messages(|v| v.present_password("password", &password.into()))
        };
        assert_eq!(check(""), ["is required"]);
        assert!(check("short").is_empty());
        assert_eq!(check(&"x".repeat(MAX_PASSWORD_BYTES + 1)).len(), 1);
    }
}
