//! The collector every request schema validates with. Each check returns the cleaned value
//! or adds a message for its field; `Invalid::finish` turns collected messages into a 422.

use crate::error::Error;

/// The rule [`Invalid::text`] checks, as the JSON Schema `pattern` request schemas declare for
/// such fields: some character that is not white space, and no NUL anywhere. Tests check each
/// schema's `pattern` against it (utoipa takes only literals).
#[cfg(test)]
pub(crate) const TEXT_PATTERN: &str = r"^[^\u0000]*[^\s\u0000][^\u0000]*$";

/// The rule [`Invalid::storable`] checks, as a JSON Schema `pattern`: no NUL anywhere.
#[cfg(test)]
pub(crate) const STORABLE_PATTERN: &str = r"^[^\u0000]*$";

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

    /// Trimmed text of 1 to `max` characters that the database can store.
    pub fn text(&mut self, field: &'static str, value: &str, max: usize) -> String {
        let text = value.trim();
        if text.is_empty() {
            self.add(field, "must not be empty");
        } else if text.chars().count() > max {
            self.add(field, format!("must be at most {max} characters"));
        }
        self.storable(field, text);
        text.to_owned()
    }

    /// Adds a message when `value` holds a NUL character, which PostgreSQL text cannot store
    /// (the database would refuse the whole statement).
    pub fn storable(&mut self, field: &'static str, value: &str) {
        if value.contains('\0') {
            self.add(field, "must not contain NUL characters");
        }
    }
}

/// What the OpenAPI document says about `field` of the request schema `T`, for tests that
/// check the declared constraints against the validation.
#[cfg(test)]
pub(crate) fn documented<T: utoipa::PartialSchema>(field: &str) -> serde_json::Value {
    let schema = serde_json::to_value(T::schema()).unwrap_or_default();
    schema["properties"][field].clone()
}

/// What was collected, for tests of the checks that other modules add.
#[cfg(test)]
pub(crate) fn messages(check: impl FnOnce(&mut Invalid)) -> Vec<String> {
    let mut invalid = Invalid::default();
    check(&mut invalid);
    invalid
        .errors
        .into_iter()
        .map(|(_, message)| message)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A schema written the way request schemas declare these rules.
    #[derive(utoipa::ToSchema)]
    #[allow(dead_code)]
    struct Declared {
        #[schema(min_length = 1, pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*$")]
        title: String,
        #[schema(pattern = r"^[^\u0000]*$")]
        secret: String,
    }

    #[test]
    fn documented_reads_the_patterns_schemas_declare() {
        assert_eq!(documented::<Declared>("title")["pattern"], TEXT_PATTERN);
        assert_eq!(documented::<Declared>("title")["minLength"], 1);
        assert_eq!(
            documented::<Declared>("secret")["pattern"],
            STORABLE_PATTERN
        );
        assert!(documented::<Declared>("missing").is_null());
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

    #[test]
    fn text_the_database_cannot_store_is_refused() {
        assert_eq!(
            messages(|v| {
                v.text("title", "a\0b", 10);
            }),
            ["must not contain NUL characters"]
        );
    }
}
