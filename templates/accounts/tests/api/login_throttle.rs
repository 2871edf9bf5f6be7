//! Password attempts are limited per client address: a burst, then 429 with `Retry-After`.

use reqwest::StatusCode;

use crate::accounts::TestUser;
use crate::helpers::{TestApp, spawn_app, spawn_app_with};
use crate::signed_in::{WRONG_PASSWORD, login_request};

/// One login attempt, optionally as if a proxy had forwarded it for `forwarded_for`.
async fn attempt(
    app: &TestApp,
    user: &TestUser,
    password: &str,
    forwarded_for: Option<&str>,
) -> reqwest::Response {
    let mut request = login_request(app, &user.email, password);
    if let Some(address) = forwarded_for {
        request = request.header("x-forwarded-for", address);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn a_client_that_keeps_guessing_is_told_to_wait() {
    let app = spawn_app_with(|config| config.login.attempts_per_minute = 3).await;
    let user = app.register_user().await;
    for _ in 0..3 {
        let response = attempt(&app, &user, "wrong-password", None).await;
        assert_eq!(response.status(), WRONG_PASSWORD);
    }

    // Even the right password waits: the limit does not reveal which guess was right.
    let response = attempt(&app, &user, &user.password, None).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    // Three attempts a minute come back one every 20 seconds.
    assert!((1..=20).contains(&retry_after), "{retry_after}");

    let health = app.get("/health/live").await;
    assert_eq!(health.status(), StatusCode::OK, "only logins are limited");
}

#[tokio::test]
async fn the_default_limit_allows_a_person_who_mistypes() {
    let app = spawn_app().await;
    let user = app.register_user().await;
    for _ in 0..4 {
        let response = attempt(&app, &user, "wrong-password", None).await;
        assert_eq!(response.status(), WRONG_PASSWORD);
    }
    let response = attempt(&app, &user, &user.password, None).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_forwarded_address_cannot_dodge_the_limit_unless_the_proxy_is_trusted() {
    let app = spawn_app_with(|config| config.login.attempts_per_minute = 1).await;
    let user = app.register_user().await;
    let first = attempt(&app, &user, "wrong-password", Some("203.0.113.1")).await;
    assert_eq!(first.status(), WRONG_PASSWORD);
    let spoofed = attempt(&app, &user, "wrong-password", Some("203.0.113.2")).await;
    assert_eq!(spoofed.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit() {
    let app = spawn_app_with(|config| {
        config.login.attempts_per_minute = 1;
        config.login.trust_forwarded_for = true;
    })
    .await;
    let user = app.register_user().await;
    for client in ["203.0.113.1", "203.0.113.2"] {
        let response = attempt(&app, &user, "wrong-password", Some(client)).await;
        assert_eq!(response.status(), WRONG_PASSWORD, "{client}");
    }
    let again = attempt(&app, &user, "wrong-password", Some("203.0.113.1")).await;
    assert_eq!(again.status(), StatusCode::TOO_MANY_REQUESTS);
}
