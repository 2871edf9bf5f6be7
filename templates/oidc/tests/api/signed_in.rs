//! Signing in through the identity provider: the interface every auth layer's tests provide
//! under this name, so that the shared tests (items) are written once.

use reqwest::RequestBuilder;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::TestApp;
use crate::identity_provider::IdentityProvider;

/// A new subject of the shared test provider, with a valid token.
pub struct SignedInUser {
    pub subject: String,
    pub token: String,
}

impl SignedInUser {
    /// A subject the service has never seen, with a fresh token from the provider it trusts.
    pub async fn new(_app: &TestApp) -> Self {
        Self::with_roles(&[])
    }

    /// Like [`SignedInUser::new`], holding `roles` in the token's `roles` claim.
    pub fn with_roles(roles: &[&str]) -> Self {
        let subject = format!("user_{}", Uuid::new_v4().simple());
        let token = IdentityProvider::shared().token(&subject, json!({ "roles": roles }));
        Self { subject, token }
    }

    /// `request`, sent as this user: `Authorization: Bearer <token>`.
    pub fn authorize(&self, request: RequestBuilder) -> RequestBuilder {
        request.bearer_auth(&self.token)
    }
}
