//! The signed-in user's own changes (`PATCH` on `accounts::ME`): a new full name, and a new
//! password given the current one, which signs out every other session.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::accounts::{ME, PASSWORD};
use crate::helpers::{assert_problem, spawn_app};
use crate::session::{assert_oauth_error, tokens_of};
use crate::signed_in::SignedInUser;

#[tokio::test]
async fn the_full_name_can_be_changed() {
    let app = spawn_app().await;
    let SignedInUser { tokens, .. } = SignedInUser::new(&app).await;

    let response = app
        .authorized(Method::PATCH, ME, &tokens.access)
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
    let SignedInUser { tokens, .. } = SignedInUser::new(&app).await;
    let change = |body: Value| {
        app.authorized(Method::PATCH, ME, &tokens.access)
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
    let user = SignedInUser::new(&app).await;
    let other_session = app.login(&user.account).await;

    let response = app
        .authorized(Method::PATCH, ME, &user.tokens.access)
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
        app.password_grant(&user.account.email, PASSWORD).await,
        "invalid_grant",
    )
    .await;
    let with_new = app
        .password_grant(&user.account.email, "a brand new password")
        .await;
    assert_eq!(with_new.status(), StatusCode::OK);
}

#[tokio::test]
async fn access_tokens_issued_before_a_password_change_are_refused() {
    let app = spawn_app().await;
    let user = SignedInUser::new(&app).await;
    let other_session = app.login(&user.account).await;
    let me = |access: &str| app.authorized(Method::GET, ME, access).send();
    assert_eq!(
        me(&other_session.access).await.unwrap().status(),
        StatusCode::OK
    );

    let response = app
        .authorized(Method::PATCH, ME, &user.tokens.access)
        .json(&json!({"password": "a brand new password", "current_password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    for old in [&user.tokens.access, &other_session.access] {
        let response = me(old).await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()["www-authenticate"], "Bearer");
    }
    let login = app
        .password_grant(&user.account.email, "a brand new password")
        .await;
    let new = tokens_of(login).await;
    assert_eq!(me(&new.access).await.unwrap().status(), StatusCode::OK);
    let refreshed = tokens_of(app.refresh_grant(&new.refresh).await).await;
    assert_eq!(
        me(&refreshed.access).await.unwrap().status(),
        StatusCode::OK
    );
}
