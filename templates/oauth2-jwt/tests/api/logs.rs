//! Secrets never reach the logs: passwords, tokens and `Authorization` headers.

use reqwest::Method;

use crate::accounts::ME;
use crate::logged_service::spawn_logged_app;
use crate::session::tokens_of;

#[tokio::test]
async fn passwords_and_tokens_never_reach_the_logs() {
    let (app, service) = spawn_logged_app().await;

    let user = app.register_user().await;
    let tokens = tokens_of(app.password_grant(&user.email, &user.password).await).await;
    let rotated = tokens_of(app.refresh_grant(&tokens.refresh).await).await;
    app.refresh_grant(&tokens.refresh).await;
    app.authorized(Method::GET, ME, &rotated.access)
        .send()
        .await
        .unwrap();
    let tampered = format!("{}x", rotated.access);
    app.authorized(Method::GET, ME, &tampered)
        .send()
        .await
        .unwrap();
    app.password_grant(&user.email, "a wrong password").await;
    app.post_form("/api/v1/auth/revoke", &[("token", &rotated.refresh)])
        .await;

    let logs = service.stop();
    assert!(
        logs.contains("password grant succeeded") && logs.contains("refresh token reused"),
        "the test must see the service's logs:\n{logs}"
    );
    let access_signature = rotated.access.rsplit('.').next().unwrap();
    for secret in [
        user.password.as_str(),
        "a wrong password",
        &tokens.refresh,
        &rotated.refresh,
        access_signature,
        "Bearer ",
    ] {
        assert!(
            !logs.contains(secret),
            "the logs contain {secret:?}:\n{logs}"
        );
    }
}
