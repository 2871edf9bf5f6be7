//! Where a request's token is: `Authorization: Bearer`, or Clerk's `__session` cookie, which a
//! same-site browser app sends by itself.
//!
//! A cookie is sent by the browser whichever site triggered the request, so a cookie-borne
//! token on an unsafe method must also come from a same-origin page: `Sec-Fetch-Site`
//! (`same-origin`, or `none` for what the user typed) when the browser sends it, otherwise an
//! `Origin` that is this host or an authorized party. Bearer tokens are exempt: no browser adds
//! that header by itself.

use axum::http::{HeaderMap, Method};

use crate::core::bearer::{Authorization, authorization};
use crate::core::cookie;

/// The cookie Clerk's front-end SDKs keep the session token in.
pub const SESSION_COOKIE: &str = "__session";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential<'a> {
    Bearer(&'a str),
    Cookie(&'a str),
    /// Nothing presented.
    Absent,
    /// An `Authorization` header that is not `Bearer <token>`.
    Malformed,
}

/// The token a request presents. The header wins: a client that sends one means it.
pub fn credential(headers: &HeaderMap) -> Credential<'_> {
    match authorization(headers) {
        Authorization::Bearer(token) => Credential::Bearer(token),
        Authorization::Malformed => Credential::Malformed,
        Authorization::Absent => {
            cookie::find(headers, SESSION_COOKIE).map_or(Credential::Absent, Credential::Cookie)
        }
    }
}

/// Methods that change something and therefore need a same-origin proof with a cookie.
pub fn is_unsafe(method: &Method) -> bool {
    !matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// Whether a cookie-authenticated request of `method` may go on (Go 1.25's cross-origin
/// protection, without tokens).
pub fn is_same_origin(method: &Method, headers: &HeaderMap, trusted_origins: &[String]) -> bool {
    if !is_unsafe(method) {
        return true;
    }
    let text = |name| headers.get(name).and_then(|value| value.to_str().ok());
    if let Some(site) = text("sec-fetch-site") {
        if matches!(site, "same-origin" | "none") {
            return true;
        }
        // Cross-site or same-site: only an origin named as trusted gets through.
        return text("origin").is_some_and(|origin| trusted_origins.iter().any(|o| o == origin));
    }
    match text("origin") {
        // Neither header: not a browser request (browsers send one of them on unsafe methods).
        None => true,
        Some(origin) => {
            trusted_origins.iter().any(|trusted| trusted == origin)
                || text("host").is_some_and(|host| {
                    origin
                        .split_once("://")
                        .is_some_and(|(_, authority)| authority == host)
                })
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(*name, HeaderValue::from_static(value));
        }
        headers
    }

    #[test]
    fn the_header_wins_over_the_cookie() {
        let both = headers(&[
            ("authorization", "Bearer from-header"),
            ("cookie", "__session=from-cookie"),
        ]);
        assert_eq!(credential(&both), Credential::Bearer("from-header"));
        let cookie = headers(&[("cookie", "theme=dark; __session=from-cookie; other=1")]);
        assert_eq!(credential(&cookie), Credential::Cookie("from-cookie"));
        assert_eq!(credential(&headers(&[])), Credential::Absent);
        assert_eq!(
            credential(&headers(&[("cookie", "__session=")])),
            Credential::Absent
        );
        assert_eq!(
            credential(&headers(&[
                ("authorization", "Basic abc"),
                ("cookie", "__session=x")
            ])),
            Credential::Malformed
        );
    }

    #[test]
    fn reads_never_need_an_origin() {
        let cross = headers(&[("sec-fetch-site", "cross-site")]);
        assert!(is_same_origin(&Method::GET, &cross, &[]));
        assert!(!is_same_origin(&Method::POST, &cross, &[]));
    }

    #[test]
    fn unsafe_cookie_requests_need_a_same_origin_proof() {
        let trusted = ["https://app.example.com".to_owned()];
        for (pairs, allowed) in [
            (&[("sec-fetch-site", "same-origin")][..], true),
            (&[("sec-fetch-site", "none")][..], true),
            (&[("sec-fetch-site", "same-site")][..], false),
            (
                &[
                    ("sec-fetch-site", "cross-site"),
                    ("origin", "https://app.example.com"),
                ][..],
                true,
            ),
            (&[("origin", "https://evil.example")][..], false),
            (
                &[
                    ("origin", "https://api.example.com"),
                    ("host", "api.example.com"),
                ][..],
                true,
            ),
            (&[][..], true),
        ] {
            assert_eq!(
                is_same_origin(&Method::DELETE, &headers(pairs), &trusted),
                allowed,
                "{pairs:?}"
            );
        }
    }
}
