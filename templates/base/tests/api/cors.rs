use axum::http::HeaderValue;

use crate::helpers::{spawn_app, spawn_app_with};

const ALLOWED: &str = "https://app.example.com";

async fn allow_origin_for(app: &crate::helpers::TestApp, origin: &str) -> Option<String> {
    let response = app
        .client
        .get(app.url("/health/live"))
        .header("origin", origin)
        .send()
        .await
        .unwrap();
    response
        .headers()
        .get("access-control-allow-origin")
        .map(|value| value.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn configured_origins_may_call_the_api_cross_origin() {
    let app = spawn_app_with(|config| {
        config.server.cors_allowed_origins = vec![HeaderValue::from_static(ALLOWED)];
    })
    .await;

    assert_eq!(
        allow_origin_for(&app, ALLOWED).await.as_deref(),
        Some(ALLOWED)
    );
    assert_eq!(allow_origin_for(&app, "https://evil.example").await, None);
}

#[tokio::test]
async fn no_origin_is_allowed_by_default() {
    let app = spawn_app().await;

    assert_eq!(allow_origin_for(&app, ALLOWED).await, None);
}
