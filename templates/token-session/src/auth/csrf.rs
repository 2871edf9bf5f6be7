//! CSRF protection for cookie sessions.
//!
//! A browser attaches cookies to requests that other sites trigger, so a request authenticated
//! by the session cookie must also prove it comes from the application's own page: unsafe
//! methods must carry `X-CSRF-Token` equal to the token issued with that session (and kept in the
//! readable `__Host-csrf` cookie). Only the token's hash is stored. Requests authenticated by the
//! `Authorization` header are exempt: no browser adds that header on its own.

use axum::http::{HeaderMap, Method};

use crate::core::opaque_token;

pub const CSRF_HEADER: &str = "x-csrf-token";

/// Methods that change something and therefore need the CSRF token.
pub fn is_unsafe(method: &Method) -> bool {
    !matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// Whether the request's `X-CSRF-Token` matches the session's stored hash.
pub fn is_valid(headers: &HeaderMap, stored_hash: Option<&[u8]>) -> bool {
    let presented = headers
        .get(CSRF_HEADER)
        .and_then(|value| value.to_str().ok());
    match (presented, stored_hash) {
        (Some(presented), Some(stored)) if !presented.is_empty() => {
            constant_time_eq(&opaque_token::hash(presented), stored)
        }
        _ => false,
    }
}

/// Compares two byte strings in time that depends only on their lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(token: Option<&'static str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(token) = token {
            headers.insert(CSRF_HEADER, HeaderValue::from_static(token));
        }
        headers
    }

    #[test]
    fn reads_are_exempt_and_writes_are_not() {
        assert!(!is_unsafe(&Method::GET));
        assert!(!is_unsafe(&Method::HEAD));
        for method in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
            assert!(is_unsafe(&method), "{method}");
        }
    }

    #[test]
    fn the_matching_token_is_accepted() {
        let stored = opaque_token::hash("the-csrf-token");
        assert!(is_valid(&headers(Some("the-csrf-token")), Some(&stored)));
    }

    #[test]
    fn a_missing_wrong_or_empty_token_is_refused() {
        let stored = opaque_token::hash("the-csrf-token");
        assert!(!is_valid(&headers(None), Some(&stored)));
        assert!(!is_valid(&headers(Some("another-token")), Some(&stored)));
        assert!(!is_valid(&headers(Some("")), Some(&stored)));
    }

    #[test]
    fn a_session_without_a_csrf_token_never_passes() {
        assert!(!is_valid(&headers(Some("anything")), None));
    }

    #[test]
    fn comparison_needs_equal_bytes() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
