//! Turns "the request does not have the expected shape" into the same field-level 422 as every
//! other validation failure: `{"errors": {"full_name": ["is required"]}}`.
//!
//! serde reports where deserialization stopped (through `serde_path_to_error`) and why; the
//! field is the path plus, for a missing or unknown field, the name serde quotes.

use axum::http::StatusCode;
use serde_path_to_error::Path;

use crate::error::Error;

/// A 422 naming the field `path` (plus the field serde's `message` names, if any). A problem
/// with the whole document (say an array where an object belongs) has no field to name.
pub fn shape_error(path: &Path, message: &str, whole: &str) -> Error {
    let message = without_position(message);
    let prefix = path_text(path);
    if let Some(name) = quoted_after(message, "missing field `") {
        return Error::validation([(join(&prefix, name), "is required")]);
    }
    if let Some(name) = quoted_after(message, "unknown field `") {
        // serde has already stepped into the unknown field, so the path ends with it.
        let field = if prefix.is_empty() {
            name.to_owned()
        } else {
            prefix
        };
        return Error::validation([(field, "is not a known field")]);
    }
    if prefix.is_empty() {
        return Error::Rejected {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            detail: format!("The {whole} does not have the expected shape: {message}."),
        };
    }
    Error::validation([(prefix, message.to_owned())])
}

/// `items[2].title`-style text for a path; empty for the document itself.
fn path_text(path: &Path) -> String {
    use serde_path_to_error::Segment;
    let mut text = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => text.push_str(&format!("[{index}]")),
            Segment::Map { key } => push_field(&mut text, key),
            Segment::Enum { variant } => push_field(&mut text, variant),
            Segment::Unknown => push_field(&mut text, "?"),
        }
    }
    text
}

fn push_field(text: &mut String, name: &str) {
    if !text.is_empty() {
        text.push('.');
    }
    text.push_str(name);
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}.{name}")
    }
}

/// The text between `marker` and the next backtick.
fn quoted_after<'a>(message: &'a str, marker: &str) -> Option<&'a str> {
    let rest = message.strip_prefix(marker)?;
    rest.split_once('`').map(|(name, _)| name)
}

/// serde_json ends its messages with `at line 1 column 12`; the client needs the field, not the
/// position.
fn without_position(message: &str) -> &str {
    message
        .rsplit_once(" at line ")
        .map_or(message, |(text, _)| text)
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        name: String,
        inner: Option<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        count: u32,
    }

    fn error_for(json: &str) -> Error {
        let mut deserializer = serde_json::Deserializer::from_str(json);
        let error = serde_path_to_error::deserialize::<_, Outer>(&mut deserializer)
            .expect_err("the document must not fit");
        shape_error(error.path(), &error.inner().to_string(), "body")
    }

    fn fields(error: Error) -> Vec<(String, Vec<String>)> {
        match error {
            Error::Validation(fields) => fields.into_iter().collect(),
            other => panic!("expected field errors, got {other:?}"),
        }
    }

    #[test]
    fn a_missing_field_is_named_as_required() {
        assert_eq!(
            fields(error_for(r#"{"inner": null}"#)),
            [("name".to_owned(), vec!["is required".to_owned()])]
        );
    }

    #[test]
    fn a_nested_wrong_type_names_the_nested_field_without_a_position() {
        let fields = fields(error_for(r#"{"name": "a", "inner": {"count": "x"}}"#));
        assert_eq!(fields[0].0, "inner.count");
        assert!(fields[0].1[0].starts_with("invalid type"), "{fields:?}");
        assert!(!fields[0].1[0].contains("line"), "{fields:?}");
    }

    #[test]
    fn an_unknown_field_is_named() {
        assert_eq!(
            fields(error_for(r#"{"name": "a", "nmae": "b"}"#)),
            [("nmae".to_owned(), vec!["is not a known field".to_owned()])]
        );
    }

    #[test]
    fn a_document_of_the_wrong_kind_is_a_422_without_fields() {
        let error = error_for(r#""just text""#);
        assert!(
            matches!(&error, Error::Rejected { status, detail }
                if *status == StatusCode::UNPROCESSABLE_ENTITY && detail.starts_with("The body")),
            "{error:?}"
        );
    }
}
