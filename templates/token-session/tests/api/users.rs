//! Registration and the signed-in user.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{spawn_app, spawn_app_with};
use crate::session::{PASSWORD, assert_problem};

#[tokio::test]
async fn registration_returns_the_user_without_the_hash() {
    let app = spawn_app().await;

    let response = app
        .post_json(
            "/api/users/",
            &json!({"email": " Ada@Example.com ", "password": PASSWORD, "full_name": "Ada"}),
        )
        .await;

    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["email"], "ada@example.com");
    assert_eq!(body["is_active"], true);
    assert!(body.get("password_hash").is_none() && body.get("password").is_none());
    let stored: String = sqlx::query_scalar("SELECT password_hash FROM users")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(stored.starts_with("$argon2id$"), "{stored}");
}

#[tokio::test]
async fn a_taken_address_in_any_case_is_a_conflict() {
    let app = spawn_app().await;
    let user = app.register_user().await;

    let response = app
        .post_json(
            "/api/users/",
            &json!({"email": user.email.to_uppercase(), "password": PASSWORD, "full_name": "Twin"}),
        )
        .await;

    assert_problem(response, StatusCode::CONFLICT, "already exists").await;
}

#[tokio::test]
async fn invalid_fields_are_reported_together() {
    let app = spawn_app().await;

    let response = app
        .post_json(
            "/api/users/",
            &json!({"email": "nope", "password": "short", "full_name": ""}),
        )
        .await;

    let body = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "invalid").await;
    for field in ["email", "password", "full_name"] {
        assert!(body["errors"][field].is_array(), "{field}: {body}");
    }
    let long = app
        .post_json(
            "/api/users/",
            &json!({"email": "long@example.com", "password": "x".repeat(1025), "full_name": "L"}),
        )
        .await;
    let body = assert_problem(long, StatusCode::UNPROCESSABLE_ENTITY, "invalid").await;
    assert_eq!(body["errors"]["password"][0], "must be at most 1024 bytes");
}

#[tokio::test]
async fn registration_can_be_closed() {
    let app = spawn_app_with(|config| config.auth.allow_registration = false).await;

    let response = app
        .post_json(
            "/api/users/",
            &json!({"email": "ada@example.com", "password": PASSWORD, "full_name": "Ada"}),
        )
        .await;

    assert_problem(response, StatusCode::FORBIDDEN, "Registration is closed").await;
}

#[tokio::test]
async fn me_is_the_signed_in_user() {
    let app = spawn_app().await;
    let (user, token) = app.signed_in_user().await;

    let me: Value = app
        .bearer(Method::GET, "/api/users/me/", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    assert_eq!(me["id"], user.id.to_string());
}
