//! The two ways of presenting the identity provider's token, as the OpenAPI document declares
//! them.

use utoipa::Modify;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};

use crate::auth::credentials::SESSION_COOKIE;

/// API clients and cross-origin front ends: `Authorization: Bearer <jwt>`.
pub const BEARER_SCHEME: &str = "bearer";
/// Same-site browser apps: Clerk's `__session` cookie.
pub const COOKIE_SCHEME: &str = "session_cookie";

/// Declares the two ways of presenting the token.
pub struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, document: &mut utoipa::openapi::OpenApi) {
        let components = document.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER_SCHEME,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("A JWT from the identity provider (OIDC_ISSUER)"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            COOKIE_SCHEME,
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                SESSION_COOKIE,
                "Clerk's session cookie; unsafe requests must come from this site's pages",
            ))),
        );
    }
}
