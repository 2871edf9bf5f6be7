//! The session-token flow end to end: both client modes, logout, logout-all, rotation, expiry,
//! CSRF, and the single answer for every failed login.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::accounts::{ME, PASSWORD};
use crate::helpers::spawn_app;
use crate::session::{LOGIN, assert_problem_mentioning, cookie_value, set_cookies};
use crate::signed_in::SignedInUser;

#[tokio::test]
async fn a_header_client_gets_a_bearer_token_that_opens_the_api() {
    let app = spawn_app().await;
    let user = app.register_user().await;

    let response = app.log_in(&user.email.to_uppercase(), PASSWORD).await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert!(
        set_cookies(&response).is_empty(),
        "header clients get no cookie"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["expires_at"].is_string());
    assert!(body.get("csrf_token").is_none());
    let token = body["token"].as_str().unwrap();
    assert_eq!(token.len(), 43);
    let me: Value = app
        .bearer(Method::GET, ME, token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], user.email);
}

#[tokio::test]
async fn only_the_hash_of_a_token_is_stored() {
    let app = spawn_app().await;
    let SignedInUser { token, .. } = SignedInUser::new(&app).await;

    let stored: Vec<Vec<u8>> = sqlx::query_scalar("SELECT token_hash FROM session_tokens")
        .fetch_all(&app.pool)
        .await
        .unwrap();

    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].len(), 32, "a SHA-256");
    assert_ne!(stored[0], token.as_bytes());
}

#[tokio::test]
async fn a_browser_gets_the_token_only_as_an_http_only_host_cookie() {
    let app = spawn_app().await;
    let user = app.register_user().await;

    let response = app
        .post_json(
            LOGIN,
            &json!({"email": user.email, "password": PASSWORD, "cookie": true}),
        )
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let cookies = set_cookies(&response);
    let session = cookies
        .iter()
        .find(|c| c.starts_with("__Host-session="))
        .unwrap();
    for attribute in [
        "Path=/",
        "HttpOnly",
        "Secure",
        "SameSite=Strict",
        "Max-Age=28800",
    ] {
        assert!(session.contains(attribute), "{session} lacks {attribute}");
    }
    assert!(!session.contains("Domain"), "{session}");
    let csrf = cookies
        .iter()
        .find(|c| c.starts_with("__Host-csrf="))
        .unwrap();
    assert!(
        !csrf.contains("HttpOnly"),
        "the page must be able to read {csrf}"
    );
    let csrf_cookie = cookie_value(&response, "__Host-csrf").unwrap();
    let body: Value = response.json().await.unwrap();
    assert!(
        body.get("token").is_none(),
        "the token must not be in the body: {body}"
    );
    assert_eq!(body["csrf_token"], csrf_cookie.as_str());
    assert!(body["expires_at"].is_string());
}

/// An unsafe request of this layer's own: a cookie session may rotate its token only with its
/// CSRF token (the shared items tests cover the resource routes the same extractor guards).
const ROTATE: &str = "/auth/token/rotate/";

#[tokio::test]
async fn a_cookie_session_reads_without_and_writes_only_with_its_csrf_token() {
    let app = spawn_app().await;
    let user = app.register_user().await;
    let browser = app.cookie_session(&user).await;

    assert_eq!(app.me_status_with_cookie(&browser).await, StatusCode::OK);

    let without = app
        .with_cookie(Method::POST, ROTATE, &browser)
        .send()
        .await
        .unwrap();
    assert_problem_mentioning(without, StatusCode::FORBIDDEN, "X-CSRF-Token").await;

    let wrong = app
        .with_cookie(Method::POST, ROTATE, &browser)
        .header("x-csrf-token", "not-the-token")
        .send()
        .await
        .unwrap();
    assert_problem_mentioning(wrong, StatusCode::FORBIDDEN, "X-CSRF-Token").await;

    let other_browser = app.cookie_session(&user).await;
    let borrowed = app
        .with_cookie(Method::POST, ROTATE, &browser)
        .header("x-csrf-token", &other_browser.csrf)
        .send()
        .await
        .unwrap();
    assert_problem_mentioning(borrowed, StatusCode::FORBIDDEN, "X-CSRF-Token").await;
    assert_eq!(
        app.me_status_with_cookie(&browser).await,
        StatusCode::OK,
        "a refused rotation leaves the session as it was"
    );

    let with = app
        .with_cookie_and_csrf(Method::POST, ROTATE, &browser)
        .send()
        .await
        .unwrap();
    assert_eq!(with.status(), StatusCode::OK);
}

#[tokio::test]
async fn header_clients_need_no_csrf_token() {
    let app = spawn_app().await;
    let SignedInUser { token, .. } = SignedInUser::new(&app).await;

    let response = app
        .bearer(Method::POST, ROTATE, &token)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn unknown_user_wrong_password_and_inactive_user_get_one_identical_401() {
    let app = spawn_app().await;
    let user = app.register_user().await;
    let inactive = app.register_user().await;
    app.deactivate(&inactive).await;

    let mut answers = Vec::new();
    for (email, password) in [
        ("nobody@example.com", PASSWORD),
        (user.email.as_str(), "a wrong password"),
        (inactive.email.as_str(), PASSWORD),
    ] {
        let response = app.log_in(email, password).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()["www-authenticate"], "Bearer");
        answers.push(response.json::<Value>().await.unwrap());
    }

    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[1], answers[2]);
    assert_eq!(
        answers[0]["detail"],
        "The e-mail address or password is incorrect."
    );
}

#[tokio::test]
async fn malformed_login_bodies_get_field_errors() {
    let app = spawn_app().await;

    let response = app
        .post_json(LOGIN, &json!({"email": "not-an-address", "password": ""}))
        .await;

    let body =
        assert_problem_mentioning(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid").await;
    assert!(body["errors"]["email"].is_array(), "{body}");
    assert_eq!(body["errors"]["password"][0], "is required");
}

#[tokio::test]
async fn missing_malformed_and_unknown_tokens_get_401() {
    let app = spawn_app().await;

    let none = app.get(ME).await;
    assert_problem_mentioning(none, StatusCode::UNAUTHORIZED, "Authentication is required").await;
    let unknown = app
        .bearer(Method::GET, ME, "no-such-token")
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    let basic = app
        .client
        .get(app.url(ME))
        .header("authorization", "Basic dXNlcjpwYXNz")
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn logout_revokes_the_token_and_clears_the_cookies() {
    let app = spawn_app().await;
    let user = app.register_user().await;
    let token = app.header_session(&user).await;
    let other = app.header_session(&user).await;

    let response = app
        .bearer(Method::POST, "/auth/logout/", &token)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let cleared = set_cookies(&response);
    assert!(
        cleared
            .iter()
            .any(|c| c.starts_with("__Host-session=;") && c.contains("Max-Age=0"))
    );
    assert!(
        cleared
            .iter()
            .any(|c| c.starts_with("__Host-csrf=;") && c.contains("Max-Age=0"))
    );
    assert_eq!(app.me_status(&token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.me_status(&other).await,
        StatusCode::OK,
        "other sessions live on"
    );
}

#[tokio::test]
async fn a_cookie_logout_needs_the_csrf_token() {
    let app = spawn_app().await;
    let user = app.register_user().await;
    let browser = app.cookie_session(&user).await;

    let forged = app
        .with_cookie(Method::POST, "/auth/logout/", &browser)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let real = app
        .with_cookie_and_csrf(Method::POST, "/auth/logout/", &browser)
        .send()
        .await
        .unwrap();
    assert_eq!(real.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.me_status_with_cookie(&browser).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn logout_all_revokes_every_session_of_the_user_only() {
    let app = spawn_app().await;
    let user = app.register_user().await;
    let phone = app.header_session(&user).await;
    let browser = app.cookie_session(&user).await;
    let stranger = SignedInUser::new(&app).await;

    let response = app
        .bearer(Method::POST, "/auth/logout-all/", &phone)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.me_status(&phone).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.me_status_with_cookie(&browser).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.me_status(&stranger.token).await, StatusCode::OK);
}

#[tokio::test]
async fn rotation_issues_a_new_header_token_and_kills_the_old_one_at_once() {
    let app = spawn_app().await;
    let SignedInUser { token: old, .. } = SignedInUser::new(&app).await;

    let response = app.bearer(Method::POST, ROTATE, &old).send().await.unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    let new = body["token"].as_str().unwrap();
    assert_ne!(new, old);
    assert_eq!(app.me_status(&old).await, StatusCode::UNAUTHORIZED);
    assert_eq!(app.me_status(new).await, StatusCode::OK);
}

#[tokio::test]
async fn rotating_a_cookie_session_sets_new_cookies() {
    let app = spawn_app().await;
    let user = app.register_user().await;
    let browser = app.cookie_session(&user).await;

    let response = app
        .with_cookie_and_csrf(Method::POST, ROTATE, &browser)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    let session = cookie_value(&response, "__Host-session").unwrap();
    let csrf = cookie_value(&response, "__Host-csrf").unwrap();
    assert_ne!(session, browser.session);
    assert_ne!(csrf, browser.csrf);
    let body: Value = response.json().await.unwrap();
    assert!(body.get("token").is_none());
    assert_eq!(body["csrf_token"], csrf.as_str());
    assert_eq!(
        app.me_status_with_cookie(&browser).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_token_dies_at_its_absolute_expiry_however_much_it_is_used() {
    let app = spawn_app().await;
    let SignedInUser { token, .. } = SignedInUser::new(&app).await;
    let ttl = app.config.auth.token_ttl;
    let step = app.config.auth.token_idle_timeout / 2;

    let mut elapsed = Duration::ZERO;
    while elapsed + step < ttl {
        app.config.auth.clock.advance(step);
        elapsed += step;
        assert_eq!(
            app.me_status(&token).await,
            StatusCode::OK,
            "alive after {elapsed:?}"
        );
    }
    app.config.auth.clock.advance(ttl - elapsed);

    assert_eq!(app.me_status(&token).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_token_dies_when_it_goes_unused_for_the_idle_timeout() {
    let app = spawn_app().await;
    let SignedInUser { token, .. } = SignedInUser::new(&app).await;
    let idle = app.config.auth.token_idle_timeout;

    app.config
        .auth
        .clock
        .advance(idle - Duration::from_secs(61));
    assert_eq!(
        app.me_status(&token).await,
        StatusCode::OK,
        "just inside the idle window"
    );
    // 30 s short of the window, so a slow first request cannot push this one past it.
    app.config
        .auth
        .clock
        .advance(idle - Duration::from_secs(30));
    assert_eq!(
        app.me_status(&token).await,
        StatusCode::OK,
        "the last use restarted the window"
    );
    app.config.auth.clock.advance(idle);

    assert_eq!(app.me_status(&token).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn last_use_is_written_at_most_once_a_minute() {
    let app = spawn_app().await;
    let SignedInUser { token, .. } = SignedInUser::new(&app).await;
    let last_used = || async {
        sqlx::query_scalar::<_, time::OffsetDateTime>("SELECT last_used_at FROM session_tokens")
            .fetch_one(&app.pool)
            .await
            .unwrap()
    };
    let issued = last_used().await;

    for _ in 0..3 {
        app.bearer(Method::GET, ME, &token).send().await.unwrap();
    }
    assert_eq!(
        last_used().await,
        issued,
        "reads within a minute write nothing"
    );

    app.config.auth.clock.advance(Duration::from_secs(61));
    app.bearer(Method::GET, ME, &token).send().await.unwrap();
    assert!(last_used().await > issued);
}
