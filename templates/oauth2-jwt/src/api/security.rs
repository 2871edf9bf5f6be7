//! The OAuth2 password flow that protected operations declare in the OpenAPI document.

use utoipa::Modify;
use utoipa::openapi::security::{Flow, OAuth2, Password, Scopes, SecurityScheme};

/// The name protected operations refer to in their `security(("oauth2" = []))`.
pub const SECURITY_SCHEME: &str = "oauth2";

/// Where Swagger UI's "Authorize" button sends the password grant.
pub const TOKEN_URL: &str = "/api/v1/auth/token";

/// Declares the OAuth2 password flow that protected operations require.
pub struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, document: &mut utoipa::openapi::OpenApi) {
        let components = document.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            SECURITY_SCHEME,
            SecurityScheme::OAuth2(OAuth2::new([Flow::Password(Password::new(
                TOKEN_URL,
                Scopes::new(),
            ))])),
        );
    }
}
