//! Signing in with OAuth2: the interface every auth layer's tests provide under this name, so
//! that the shared tests (items, users, the login limit, `create-user`) are written once.

use reqwest::{RequestBuilder, StatusCode};

use crate::accounts::TestUser;
use crate::helpers::TestApp;
use crate::session::{TOKEN, Tokens};

/// What a login with a wrong password answers while the client is under its limit
/// (`invalid_grant`).
pub const WRONG_PASSWORD: StatusCode = StatusCode::BAD_REQUEST;

/// How every stored password hash starts: bcrypt.
pub const PASSWORD_HASH_PREFIX: &str = "$2b$";

/// The password grant for `email` and `password`, not yet sent; 200 when they are right.
pub fn login_request(app: &TestApp, email: &str, password: &str) -> RequestBuilder {
    app.client.post(app.url(TOKEN)).form(&[
        ("grant_type", "password"),
        ("username", email),
        ("password", password),
    ])
}

/// A newly registered user with a fresh token pair.
pub struct SignedInUser {
    pub account: TestUser,
    pub tokens: Tokens,
}

impl SignedInUser {
    /// Registers a user through the API and signs them in.
    pub async fn new(app: &TestApp) -> Self {
        let account = app.register_user().await;
        let tokens = app.login(&account).await;
        Self { account, tokens }
    }

    /// `request`, sent as this user: `Authorization: Bearer <access token>`.
    pub fn authorize(&self, request: RequestBuilder) -> RequestBuilder {
        request.bearer_auth(&self.tokens.access)
    }
}
