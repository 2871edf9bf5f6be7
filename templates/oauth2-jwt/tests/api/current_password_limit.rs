//! Confirming a password change with `current_password` is a password guess like a login's,
//! so it counts against the same per-client limit: guessing stops with 429, not endless 422s.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::accounts::{ME, PASSWORD};
use crate::helpers::{assert_problem, spawn_app_with};
use crate::signed_in::SignedInUser;

#[tokio::test]
async fn guessing_the_current_password_is_throttled_like_logins() {
    let app = spawn_app_with(|config| config.login.attempts_per_minute = 3).await;
    // Signing in spends one of the three attempts.
    let SignedInUser { tokens, .. } = SignedInUser::new(&app).await;
    let guess = |current: &str| {
        app.authorized(Method::PATCH, ME, &tokens.access)
            .json(&json!({"password": "a brand new password", "current_password": current}))
            .send()
    };

    let mut wrong = 0;
    let throttled = loop {
        let response = guess("wrong guess").await.unwrap();
        if response.status() != StatusCode::UNPROCESSABLE_ENTITY {
            break response;
        }
        wrong += 1;
        assert!(wrong < 30, "30 wrong guesses and still 422");
    };
    // The login and two guesses spend the three attempts.
    assert_eq!(wrong, 2);
    assert!(throttled.headers().contains_key("retry-after"));
    assert_problem(throttled, StatusCode::TOO_MANY_REQUESTS).await;

    // Even the right password waits, and changes that check no password are not limited.
    let right = guess(PASSWORD).await.unwrap();
    assert_eq!(right.status(), StatusCode::TOO_MANY_REQUESTS);
    let rename = app
        .authorized(Method::PATCH, ME, &tokens.access)
        .json(&json!({"full_name": "Ada King"}))
        .send()
        .await
        .unwrap();
    assert_eq!(rename.status(), StatusCode::OK);
}
