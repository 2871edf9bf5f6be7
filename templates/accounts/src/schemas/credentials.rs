//! The checks of an account's credentials: e-mail addresses and passwords.

use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use utoipa::openapi::schema::{
    AnyOfBuilder, KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type,
};

use super::Invalid;
use crate::auth::password::MAX_PASSWORD_BYTES;

pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MAX_EMAIL_CHARS: usize = 254;

/// The password the schemas show as their example (and the fuzzer's seeded user has).
const EXAMPLE_PASSWORD: &str = "correct horse battery";

/// The characters of each UTF-8 width (NUL excluded, as `Invalid::storable` requires), each
/// with the most bytes one of them takes.
const PASSWORD_WIDTHS: [(&str, usize); 4] = [
    (r"^[\u0001-\u007F]*$", 1),
    (r"^[\u0001-\u07FF]*$", 2),
    (r"^[\u0001-\uD7FF\uE000-\uFFFF]*$", 3),
    (r"^[^\u0000]*$", 4),
];

/// The schema of a new password. Validation bounds its UTF-8 bytes ([`MAX_PASSWORD_BYTES`],
/// what the hasher takes), and JSON Schema can only bound characters; so there is one branch
/// per character width, each no longer in bytes than the limit. Every password the schema
/// admits is accepted; a long password mixing ASCII with wider characters may be accepted
/// beyond it, never the other way round.
pub fn new_password_schema() -> Schema {
    Schema::AnyOf(password_branches().build())
}

/// One branch per character width, under the description and example; see
/// [`new_password_schema`].
pub fn password_branches() -> AnyOfBuilder {
    let description = format!(
        "At least {MIN_PASSWORD_CHARS} characters and at most {MAX_PASSWORD_BYTES} bytes of \
         UTF-8, the most the password hasher takes: {} ASCII characters, {} below U+0800, {} \
         in the Basic Multilingual Plane, or {} of any kind.",
        MAX_PASSWORD_BYTES,
        MAX_PASSWORD_BYTES / 2,
        MAX_PASSWORD_BYTES / 3,
        MAX_PASSWORD_BYTES / 4
    );
    PASSWORD_WIDTHS.iter().fold(
        AnyOfBuilder::new()
            .description(Some(description))
            .examples([json!(EXAMPLE_PASSWORD)]),
        |any_of, &(pattern, bytes_per_char)| {
            any_of.item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Password)))
                    .min_length(Some(MIN_PASSWORD_CHARS))
                    .max_length(Some(MAX_PASSWORD_BYTES / bytes_per_char))
                    .pattern(Some(pattern)),
            )
        },
    )
}

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

    /// Each branch of the password schema, as (pattern, maxLength).
    fn branches(schema: Schema) -> Vec<(String, usize)> {
        let json = serde_json::to_value(schema).unwrap();
        json["anyOf"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|branch| branch["type"] == "string")
            .map(|branch| {
                assert_eq!(branch["minLength"], MIN_PASSWORD_CHARS);
                (
                    branch["pattern"].as_str().unwrap().to_owned(),
                    branch["maxLength"].as_u64().unwrap() as usize,
                )
            })
            .collect()
    }

    #[test]
    fn every_password_the_schema_admits_fits_the_byte_limit() {
        let branches = branches(new_password_schema());
        assert_eq!(branches.len(), PASSWORD_WIDTHS.len());
        // The widest character each pattern admits, at the branch's longest length.
        let widest = ['\u{7F}', '\u{7FF}', '\u{FFFF}', '\u{10FFFF}'];
        for ((pattern, max_chars), widest) in branches.iter().zip(widest) {
            let longest: String = std::iter::repeat_n(widest, *max_chars).collect();
            assert!(longest.len() <= MAX_PASSWORD_BYTES, "{pattern}");
            let wider = char::from_u32(widest as u32 + 1).unwrap_or('\u{10000}');
            assert!(
                widest == '\u{10FFFF}' || wider.len_utf8() > widest.len_utf8(),
                "{pattern} stops where its width does"
            );
        }
        assert_eq!(
            branches[0].1, MAX_PASSWORD_BYTES,
            "ASCII gets the whole limit"
        );
        assert_eq!(branches[3].0, super::super::validate::STORABLE_PATTERN);
    }

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
