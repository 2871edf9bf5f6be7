//! `purge-tokens` deletes dead session tokens and nothing else.

use reqwest::{Method, StatusCode};

use crate::cli::{run, stderr};
use crate::helpers::spawn_app;

#[tokio::test]
async fn purge_tokens_deletes_dead_tokens_and_keeps_live_ones() {
    let app = spawn_app().await;
    let user = app.register_user().await;
    let kept = app.header_session(&user).await;
    let closed = app.header_session(&user).await;
    let logout = app
        .bearer(Method::POST, "/auth/logout/", &closed)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    let mut env = app.binary_env();
    env.push(("TOKEN_RETENTION".to_owned(), "0s".to_owned()));

    let output = run(&["purge-tokens"], &env, "");

    assert!(output.status.success(), "{}", stderr(&output));
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(said.contains("deleted 1 dead session token"), "{said}");
    assert_eq!(
        app.me_status(&kept).await,
        StatusCode::OK,
        "the live token survives"
    );
}
