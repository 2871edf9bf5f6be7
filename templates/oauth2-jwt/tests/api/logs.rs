//! Secrets never reach the logs: passwords, tokens and `Authorization` headers.

use std::io::Write;
use std::sync::{Arc, Mutex};

use reqwest::Method;
use tracing_subscriber::fmt::MakeWriter;

use crate::helpers::spawn_app;
use crate::session::tokens_of;

/// Collects everything the subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Self;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn passwords_and_tokens_never_reach_the_logs() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_env_filter("trace")
        .with_writer(captured.clone())
        .finish();
    // The test runtime is single-threaded, so the server's tasks log through this subscriber.
    let _guard = tracing::subscriber::set_default(subscriber);

    let app = spawn_app().await;
    let user = app.register_user().await;
    let tokens = tokens_of(app.password_grant(&user.email, &user.password).await).await;
    let rotated = tokens_of(app.refresh_grant(&tokens.refresh).await).await;
    app.refresh_grant(&tokens.refresh).await;
    app.authorized(Method::GET, "/api/v1/users/me", &rotated.access)
        .send()
        .await
        .unwrap();
    let tampered = format!("{}x", rotated.access);
    app.authorized(Method::GET, "/api/v1/users/me", &tampered)
        .send()
        .await
        .unwrap();
    app.password_grant(&user.email, "a wrong password").await;
    app.post_form("/api/v1/auth/revoke", &[("token", &rotated.refresh)])
        .await;

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
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
