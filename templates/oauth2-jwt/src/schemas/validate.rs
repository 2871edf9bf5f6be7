//! Field rules shared by the request schemas. Each check returns the cleaned value or adds a
//! message for its field; `Invalid::finish` turns collected messages into a 422.

use secrecy::{ExposeSecret, SecretString};

use crate::core::security::password::MAX_PASSWORD_BYTES;
use crate::error::Error;

pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MAX_EMAIL_CHARS: usize = 254;
pub const MAX_NAME_CHARS: usize = 200;

/// Messages collected while validating one request.
#[derive(Debug, Default)]
pub struct Invalid {
    errors: Vec<(&'static str, String)>,
}

impl Invalid {
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.errors.push((field, message.into()));
    }

    /// `Ok(value)` when no message was added, else a 422 listing every message.
    pub fn finish<T>(self, value: T) -> Result<T, Error> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(Error::validation(self.errors))
        }
    }

    /// Trimmed, lower-cased address with one `@`, a non-empty local part and a dotted domain.
    pub fn email(&mut self, field: &'static str, value: &str) -> String {
        let email = value.trim().to_lowercase();
        let well_formed = match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && local.len() <= 64
                    && !domain.contains('@')
                    && domain.contains('.')
                    && domain.split('.').all(|label| !label.is_empty())
            }
            None => false,
        };
        if !well_formed || email.chars().any(char::is_whitespace) {
            self.add(field, "must be an e-mail address such as name@example.com");
        } else if email.chars().count() > MAX_EMAIL_CHARS {
            self.add(
                field,
                format!("must be at most {MAX_EMAIL_CHARS} characters"),
            );
        }
        email
    }

    /// At least 8 characters and at most 71 bytes (bcrypt would ignore anything longer).
    pub fn password(&mut self, field: &'static str, password: &SecretString) {
        let password = password.expose_secret();
        if password.chars().count() < MIN_PASSWORD_CHARS {
            self.add(
                field,
                format!("must be at least {MIN_PASSWORD_CHARS} characters"),
            );
        }
        if password.len() > MAX_PASSWORD_BYTES {
            self.add(field, format!("must be at most {MAX_PASSWORD_BYTES} bytes"));
        }
    }

    /// Trimmed text of 1 to `max` characters.
    pub fn text(&mut self, field: &'static str, value: &str, max: usize) -> String {
        let text = value.trim();
        if text.is_empty() {
            self.add(field, "must not be empty");
        } else if text.chars().count() > max {
            self.add(field, format!("must be at most {max} characters"));
        }
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(check: impl FnOnce(&mut Invalid)) -> Vec<String> {
        let mut invalid = Invalid::default();
        check(&mut invalid);
        invalid
            .errors
            .into_iter()
            .map(|(_, message)| message)
            .collect()
    }

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        let mut invalid = Invalid::default();
        assert_eq!(
            invalid.email("email", "  Ada@Example.COM "),
            "ada@example.com"
        );
        assert!(invalid.errors.is_empty());
    }

    #[test]
    fn malformed_emails_are_refused() {
        for email in [
            "",
            "ada",
            "@example.com",
            "ada@",
            "ada@example",
            "ada@@example.com",
            "a da@example.com",
            "ada@example..com",
        ] {
            assert_eq!(
                messages(|v| {
                    v.email("email", email);
                })
                .len(),
                1,
                "{email:?}"
            );
        }
    }

    #[test]
    fn passwords_need_8_characters_and_at_most_71_bytes() {
        let check = |password: &str| messages(|v| v.password("password", &password.into()));
        assert!(check("12345678").is_empty());
        assert_eq!(check("1234567"), ["must be at least 8 characters"]);
        assert!(
            check(&format!("{}x", "é".repeat(35))).is_empty(),
            "71 bytes is allowed"
        );
        assert_eq!(check(&"é".repeat(36)), ["must be at most 71 bytes"]);
    }

    #[test]
    fn text_must_be_present_and_bounded() {
        assert_eq!(
            messages(|v| {
                v.text("title", "   ", 10);
            }),
            ["must not be empty"]
        );
        assert_eq!(
            messages(|v| {
                v.text("title", "eleven chars", 10);
            }),
            ["must be at most 10 characters"]
        );
        let mut invalid = Invalid::default();
        assert_eq!(invalid.text("title", "  Milk  ", 10), "Milk");
    }
}
