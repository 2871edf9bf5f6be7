//! The two ways of presenting a session token, as the OpenAPI document declares them.

use utoipa::Modify;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};

/// Header clients: `Authorization: Bearer <token>`.
pub const TOKEN_SCHEME: &str = "session_token";
/// Browsers: the `__Host-session` cookie (plus `X-CSRF-Token` on unsafe requests).
pub const COOKIE_SCHEME: &str = "session_cookie";

/// Declares the two ways of presenting a session token.
pub struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, document: &mut utoipa::openapi::OpenApi) {
        let components = document.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            TOKEN_SCHEME,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("The token from POST /auth/token/ with cookie=false"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            COOKIE_SCHEME,
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::auth::cookies::SESSION_COOKIE,
                "Set by POST /auth/token/ with cookie=true; unsafe requests also need X-CSRF-Token",
            ))),
        );
    }
}
