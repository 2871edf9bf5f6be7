//! Tokens never reach the logs, accepted or refused, from the header or the cookie.

use serde_json::json;

use crate::identity_provider::IdentityProvider;
use crate::logged_service::spawn_logged_app;
use crate::session::ME;

#[tokio::test]
async fn tokens_never_reach_the_logs() {
    let (app, service) = spawn_logged_app().await;
    let provider = IdentityProvider::shared();
    let valid = provider.token("user_logged", json!({}));
    let tampered = format!("{valid}x");
    let from_cookie = provider.token("user_cookie", json!({}));

    for token in [&valid, &tampered] {
        app.client
            .get(app.url(ME))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
    }
    app.client
        .get(app.url(ME))
        .header("cookie", format!("__session={from_cookie}"))
        .send()
        .await
        .unwrap();

    let logs = service.stop();
    assert!(
        logs.contains("first request of a new user") && logs.contains("token refused"),
        "the test must see the service's logs:\n{logs}"
    );
    for token in [&valid, &tampered, &from_cookie] {
        let signature = token.rsplit('.').next().unwrap();
        let claims = token.split('.').nth(1).unwrap();
        for secret in [signature, claims] {
            assert!(
                !logs.contains(secret),
                "the logs contain {secret:?}:\n{logs}"
            );
        }
    }
    assert!(!logs.contains("Bearer "), "{logs}");
}
