//! The OAuth2 token and revocation endpoints' bodies (RFC 6749 section 4.3 and 6, RFC 7009).

use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Form body of `POST /api/v1/auth/token`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// `password` or `refresh_token`. Read as text, so that a missing or unknown grant type
    /// gets the protocol's own error rather than a problem document.
    #[schema(value_type = GrantType, required = true, example = "password")]
    pub grant_type: Option<String>,
    /// The user's e-mail address (password grant).
    #[schema(value_type = String, format = Email, min_length = 1, example = "ada@example.com")]
    pub username: Option<String>,
    /// Password grant.
    #[schema(
        value_type = String,
        format = Password,
        min_length = 1,
        example = "correct horse battery"
    )]
    pub password: Option<SecretString>,
    /// Refresh-token grant.
    #[schema(value_type = String, min_length = 1)]
    pub refresh_token: Option<SecretString>,
    /// Accepted and ignored: this service defines no scopes.
    #[schema(value_type = String)]
    pub scope: Option<String>,
}

/// The grant types the token endpoint supports (RFC 6749 sections 4.3 and 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    Password,
    RefreshToken,
}

/// A successful token response (RFC 6749 section 5.1).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `bearer`.
    #[schema(example = "bearer")]
    pub token_type: String,
    /// Seconds until the access token expires.
    #[schema(example = 900)]
    pub expires_in: u64,
    /// Single use: exchange it with `grant_type=refresh_token` for a new pair.
    pub refresh_token: String,
}

/// The error codes of RFC 6749 section 5.2 that this service answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OAuthErrorCode {
    InvalidRequest,
    InvalidGrant,
    UnsupportedGrantType,
}

/// An error response of the token and revocation endpoints (RFC 6749 section 5.2).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OAuthErrorResponse {
    pub error: OAuthErrorCode,
    #[schema(example = "The credentials or the refresh token are invalid.")]
    pub error_description: String,
}

/// Form body of `POST /api/v1/auth/revoke` (RFC 7009).
#[derive(Debug, Deserialize, ToSchema)]
pub struct RevokeRequest {
    /// The refresh token to revoke.
    #[schema(value_type = String, required = true, min_length = 1)]
    pub token: Option<SecretString>,
    /// Optional; only `refresh_token` is revocable here.
    #[schema(value_type = String, example = "refresh_token")]
    pub token_type_hint: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_grant_types_are_the_ones_the_endpoint_reads() {
        assert_eq!(
            serde_json::to_value([GrantType::Password, GrantType::RefreshToken]).unwrap(),
            serde_json::json!(["password", "refresh_token"])
        );
    }
}
