use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{spawn_app, spawn_app_with};
use crate::session::{PASSWORD, assert_oauth_error, assert_problem};

#[tokio::test]
async fn registration_returns_the_user_without_the_hash() {
    let app = spawn_app().await;

    let response = app
        .post_json(
            "/api/v1/users",
            &json!({"email": " Ada@Example.COM ", "password": PASSWORD, "full_name": "Ada Lovelace"}),
        )
        .await;

    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["email"], "ada@example.com");
    assert_eq!(body["full_name"], "Ada Lovelace");
    assert_eq!(body["is_active"], true);
    let fields: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(
        fields,
        ["created_at", "email", "full_name", "id", "is_active"]
    );
    let stored: String = sqlx::query_scalar("SELECT password_hash FROM users")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(stored.starts_with("$2b$"), "stored as a bcrypt hash");
}

#[tokio::test]
async fn a_taken_email_is_a_conflict_whatever_its_case() {
    let app = spawn_app().await;
    let user = app.register_user().await;

    let response = app
        .post_json(
            "/api/v1/users",
            &json!({"email": user.email.to_uppercase(), "password": PASSWORD, "full_name": "Twin"}),
        )
        .await;

    let problem = assert_problem(response, StatusCode::CONFLICT).await;
    assert_eq!(
        problem["detail"],
        "An account with this e-mail address already exists."
    );
}

#[tokio::test]
async fn invalid_registrations_list_every_field_error() {
    let app = spawn_app().await;

    let response = app
        .post_json(
            "/api/v1/users",
            &json!({"email": "not-an-email", "password": "short", "full_name": "  "}),
        )
        .await;

    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        problem["errors"],
        json!({
            "email": ["must be an e-mail address such as name@example.com"],
            "full_name": ["must not be empty"],
            "password": ["must be at least 8 characters"],
        })
    );
}

#[tokio::test]
async fn passwords_longer_than_bcrypt_reads_are_refused() {
    let app = spawn_app().await;

    let response = app
        .post_json(
            "/api/v1/users",
            &json!({"email": "long@example.com", "password": "x".repeat(73), "full_name": "Long"}),
        )
        .await;

    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        problem["errors"]["password"],
        json!(["must be at most 71 bytes"])
    );
}

#[tokio::test]
async fn unknown_and_missing_fields_are_refused() {
    let app = spawn_app().await;

    let extra = app
        .post_json(
            "/api/v1/users",
            &json!({"email": "a@example.com", "password": PASSWORD, "full_name": "A", "is_admin": true}),
        )
        .await;
    assert_problem(extra, StatusCode::UNPROCESSABLE_ENTITY).await;

    let missing = app
        .post_json("/api/v1/users", &json!({"email": "a@example.com"}))
        .await;
    assert_problem(missing, StatusCode::UNPROCESSABLE_ENTITY).await;
}

#[tokio::test]
async fn registration_can_be_switched_off() {
    let app = spawn_app_with(|config| config.auth.allow_registration = false).await;

    let response = app
        .post_json(
            "/api/v1/users",
            &json!({"email": "a@example.com", "password": PASSWORD, "full_name": "A"}),
        )
        .await;

    assert_problem(response, StatusCode::FORBIDDEN).await;
}

#[tokio::test]
async fn the_current_user_is_the_token_holder() {
    let app = spawn_app().await;
    let (user, tokens) = app.signed_in_user().await;

    let response = app
        .authorized(Method::GET, "/api/v1/users/me", &tokens.access)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["id"], user.id.to_string());
    assert_eq!(body["email"], user.email);
}

#[tokio::test]
async fn the_full_name_can_be_changed() {
    let app = spawn_app().await;
    let (_, tokens) = app.signed_in_user().await;

    let response = app
        .authorized(Method::PATCH, "/api/v1/users/me", &tokens.access)
        .json(&json!({"full_name": "Ada King"}))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["full_name"], "Ada King");
}

#[tokio::test]
async fn a_password_change_needs_the_current_password() {
    let app = spawn_app().await;
    let (_, tokens) = app.signed_in_user().await;
    let change = |body: Value| {
        app.authorized(Method::PATCH, "/api/v1/users/me", &tokens.access)
            .json(&body)
            .send()
    };

    let without = change(json!({"password": "a brand new password"}))
        .await
        .unwrap();
    let problem = assert_problem(without, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(
        problem["errors"]["current_password"].is_array(),
        "{problem}"
    );

    let wrong =
        change(json!({"password": "a brand new password", "current_password": "wrong one"}))
            .await
            .unwrap();
    let problem = assert_problem(wrong, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        problem["errors"]["current_password"],
        json!(["is incorrect"])
    );
}

#[tokio::test]
async fn a_password_change_signs_out_other_sessions() {
    let app = spawn_app().await;
    let (user, tokens) = app.signed_in_user().await;
    let other_session = app.login(&user).await;

    let response = app
        .authorized(Method::PATCH, "/api/v1/users/me", &tokens.access)
        .json(&json!({"password": "a brand new password", "current_password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    assert_oauth_error(
        app.refresh_grant(&other_session.refresh).await,
        "invalid_grant",
    )
    .await;
    assert_oauth_error(
        app.password_grant(&user.email, PASSWORD).await,
        "invalid_grant",
    )
    .await;
    let with_new = app
        .password_grant(&user.email, "a brand new password")
        .await;
    assert_eq!(with_new.status(), StatusCode::OK);
}
