//! The checks of an account's credentials: e-mail addresses and passwords.

use secrecy::{ExposeSecret, SecretString};

use super::Invalid;
use crate::auth::password::MAX_PASSWORD_BYTES;

pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MAX_EMAIL_CHARS: usize = 254;

impl Invalid {
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
        if !well_formed || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            self.add(field, "must be an e-mail address such as name@example.com");
        } else if email.chars().count() > MAX_EMAIL_CHARS {
            self.add(
                field,
                format!("must be at most {MAX_EMAIL_CHARS} characters"),
            );
        }
        email
    }

    /// A new password: at least 8 characters and at most [`MAX_PASSWORD_BYTES`], the most the
    /// password hasher takes.
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
        // bcrypt stops reading at a NUL byte, so everything after one would not count.
        self.storable(field, password);
    }
}

#[cfg(test)]
mod tests {
    use super::super::validate::messages;
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        assert!(
            messages(|v| {
                assert_eq!(v.email("email", "  Ada@Example.COM "), "ada@example.com");
            })
            .is_empty()
        );
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
            "a\0b@example.com",
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
    fn passwords_need_8_characters_and_at_most_the_hashers_limit() {
        let check = |password: &str| messages(|v| v.password("password", &password.into()));
        assert!(check("12345678").is_empty());
        assert_eq!(check("1234567"), ["must be at least 8 characters"]);
        assert!(check(&"é".repeat(MAX_PASSWORD_BYTES / 2)).is_empty());
        assert_eq!(
            check(&"x".repeat(MAX_PASSWORD_BYTES + 1)),
            [format!("must be at most {MAX_PASSWORD_BYTES} bytes")]
        );
    }
}
