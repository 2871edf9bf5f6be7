//! What a request's `Authorization` header presents, for every extractor that takes a bearer
//! token.

use axum::http::{HeaderMap, header};

/// The `Authorization` header of a request, as a bearer-token scheme sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authorization<'a> {
    /// No `Authorization` header.
    Absent,
    /// `Bearer <token>` (scheme case-insensitive), the token trimmed and not empty.
    Bearer(&'a str),
    /// Another scheme, no token, or a value that is not text: refused, never skipped, so a
    /// client's mistake is not hidden by other credentials it also sent.
    Malformed,
}

pub fn authorization(headers: &HeaderMap) -> Authorization<'_> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Authorization::Absent;
    };
    let bearer = value
        .to_str()
        .ok()
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty());
    bearer.map_or(Authorization::Malformed, Authorization::Bearer)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    /// What `authorization` makes of one header value, as `Debug` text.
    fn of(value: Option<&'static str>) -> String {
        let mut headers = HeaderMap::new();
        if let Some(value) = value {
            headers.insert(header::AUTHORIZATION, HeaderValue::from_static(value));
        }
        format!("{:?}", authorization(&headers))
    }

    #[test]
    fn the_bearer_scheme_is_case_insensitive_and_the_token_trimmed() {
        assert_eq!(of(Some("Bearer abc.def.ghi")), r#"Bearer("abc.def.ghi")"#);
        assert_eq!(of(Some("bearer  abc ")), r#"Bearer("abc")"#);
    }

    #[test]
    fn other_schemes_and_empty_tokens_are_malformed_not_absent() {
        for value in ["Basic dXNlcjpwYXNz", "Bearer", "Bearer    ", "abc"] {
            assert_eq!(of(Some(value)), "Malformed", "{value:?}");
        }
        assert_eq!(of(None), "Absent");
    }
}
