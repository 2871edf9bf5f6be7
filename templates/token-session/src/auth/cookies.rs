//! The two cookies of a browser session.
//!
//! `__Host-` cookies must be `Secure`, have `Path=/` and no `Domain`, so no subdomain can set or
//! overwrite them. Browsers accept `Secure` cookies from `http://localhost`; anywhere else the
//! service must be reached over HTTPS (see the reverse-proxy example).

use std::time::Duration;

use axum::http::HeaderValue;

/// Holds the session token; JavaScript cannot read it.
pub const SESSION_COOKIE: &str = "__Host-session";
/// Holds the CSRF token; readable by the page's JavaScript, which echoes it in `X-CSRF-Token`.
pub const CSRF_COOKIE: &str = "__Host-csrf";

/// `Set-Cookie` for the session token.
pub fn session(token: &str, max_age: Duration) -> HeaderValue {
    set(SESSION_COOKIE, token, max_age.as_secs(), true)
}

/// `Set-Cookie` for the CSRF token.
pub fn csrf(token: &str, max_age: Duration) -> HeaderValue {
    set(CSRF_COOKIE, token, max_age.as_secs(), false)
}

/// `Set-Cookie` headers that make the browser drop both cookies.
pub fn cleared() -> [HeaderValue; 2] {
    [
        set(SESSION_COOKIE, "", 0, true),
        set(CSRF_COOKIE, "", 0, false),
    ]
}

fn set(name: &str, value: &str, max_age: u64, http_only: bool) -> HeaderValue {
    let http_only = if http_only { "; HttpOnly" } else { "" };
    let cookie =
        format!("{name}={value}; Path=/; Max-Age={max_age}{http_only}; Secure; SameSite=Strict");
    // Tokens are base64url, so the value is always a valid header.
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_host_only_http_only_secure_and_strict() {
        let cookie = session("abc", Duration::from_secs(3600));
        assert_eq!(
            cookie,
            "__Host-session=abc; Path=/; Max-Age=3600; HttpOnly; Secure; SameSite=Strict"
        );
    }

    #[test]
    fn the_csrf_cookie_is_readable_by_scripts() {
        let cookie = csrf("xyz", Duration::from_secs(60));
        assert_eq!(
            cookie,
            "__Host-csrf=xyz; Path=/; Max-Age=60; Secure; SameSite=Strict"
        );
    }

    #[test]
    fn clearing_expires_both_with_the_same_attributes() {
        let [session, csrf] = cleared();
        assert_eq!(
            session,
            "__Host-session=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict"
        );
        assert_eq!(
            csrf,
            "__Host-csrf=; Path=/; Max-Age=0; Secure; SameSite=Strict"
        );
    }
}
