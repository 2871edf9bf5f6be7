//! Signing in with a session token: the interface every auth layer's tests provide under this
//! name, so that the shared tests (items, users, the login limit, `create-user`) are written
//! once.

use reqwest::{RequestBuilder, StatusCode};
use serde_json::json;

use crate::accounts::TestUser;
use crate::helpers::TestApp;
use crate::session::LOGIN;

/// What a login with a wrong password answers while the client is under its limit.
pub const WRONG_PASSWORD: StatusCode = StatusCode::UNAUTHORIZED;

/// How every stored password hash starts: Argon2id.
pub const PASSWORD_HASH_PREFIX: &str = "$argon2id$";

/// A header client's login for `email` and `password`, not yet sent; 200 when they are right.
pub fn login_request(app: &TestApp, email: &str, password: &str) -> RequestBuilder {
    app.client
        .post(app.url(LOGIN))
        .json(&json!({"email": email, "password": password}))
}

/// A newly registered user with a fresh header token.
pub struct SignedInUser {
    pub account: TestUser,
    pub token: String,
}

impl SignedInUser {
    /// Registers a user through the API and logs them in as a header client.
    pub async fn new(app: &TestApp) -> Self {
        let account = app.register_user().await;
        let token = app.header_session(&account).await;
        Self { account, token }
    }

    /// `request`, sent as this user: `Authorization: Bearer <token>`.
    pub fn authorize(&self, request: RequestBuilder) -> RequestBuilder {
        request.bearer_auth(&self.token)
    }
}
