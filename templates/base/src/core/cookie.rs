//! Reading the cookies a request carries.

use axum::http::{HeaderMap, header};

/// The value of cookie `name` in the request's `Cookie` headers; an empty value is no cookie.
pub fn find<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim_matches('"'))
        .filter(|value| !value.is_empty())
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn cookies_are_found_among_others_and_across_headers() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("theme=dark; csrf=c1"),
        );
        headers.append(header::COOKIE, HeaderValue::from_static("session=\"s1\""));
        assert_eq!(find(&headers, "session"), Some("s1"));
        assert_eq!(find(&headers, "csrf"), Some("c1"));
        assert_eq!(find(&headers, "missing"), None);
        headers.insert(header::COOKIE, HeaderValue::from_static("session="));
        assert_eq!(
            find(&headers, "session"),
            None,
            "an empty cookie is no cookie"
        );
    }
}
