//! Access tokens: short-lived HS256 JWTs.
//!
//! Each token names the key that signed it in its `kid` header. The key id is derived from the
//! secret, so after a rotation (`JWT_SECRET_PREVIOUS` = the old secret) tokens signed with the
//! old secret keep working until they expire, and no other key is ever tried.
//!
//! Each token also carries a stamp of the user's password hash (`pwd`), which `CurrentUser`
//! compares with the stored hash on every request: a password change ends every access token
//! issued before it, without a table of revoked tokens.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::core::config::AuthConfig;

/// The only algorithm issued and accepted.
const ALGORITHM: Algorithm = Algorithm::HS256;

/// Clock difference tolerated between this service's replicas, in seconds.
const LEEWAY_SECS: u64 = 5;

/// The claims of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user's id.
    pub sub: Uuid,
    /// Issued at, in seconds since the Unix epoch.
    pub iat: i64,
    /// Expires at, in seconds since the Unix epoch.
    pub exp: i64,
    /// A unique id for this token.
    pub jti: Uuid,
    pub iss: String,
    /// [`password_stamp`] of the user's password hash when the token was issued.
    pub pwd: String,
}

impl Claims {
    /// Whether the token was issued while `password_hash` was the user's password hash.
    pub fn matches_password(&self, password_hash: &str) -> bool {
        self.pwd == password_stamp(password_hash)
    }
}

/// The first 64 bits of the SHA-256 of a stored password hash, base64url: it changes with the
/// password, and reveals nothing a token holder could use (the bcrypt salt stays unknown).
pub fn password_stamp(password_hash: &str) -> String {
    URL_SAFE_NO_PAD.encode(&Sha256::digest(password_hash.as_bytes())[..8])
}

/// A signed token and how long it stays valid.
pub struct IssuedAccessToken {
    pub token: SecretString,
    pub expires_in: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum AccessTokenError {
    #[error("the access token has expired")]
    Expired,
    #[error("the access token was signed by an unknown key")]
    UnknownKey,
    #[error("the access token is invalid: {0:?}")]
    Invalid(ErrorKind),
    #[error("the access token could not be signed: {0:?}")]
    Signing(ErrorKind),
}

struct Key {
    id: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl Key {
    fn new(secret: &SecretString) -> Self {
        let bytes = secret.expose_secret().as_bytes();
        Self {
            id: key_id(bytes),
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
        }
    }
}

/// Public and stable: the first 96 bits of the secret's SHA-256, which reveal nothing about it.
fn key_id(secret: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(&Sha256::digest(secret)[..12])
}

/// Issues and verifies access tokens.
pub struct AccessTokens {
    current: Key,
    previous: Option<Key>,
    issuer: String,
    ttl: Duration,
    validation: Validation,
}

impl AccessTokens {
    pub fn new(config: &AuthConfig) -> Self {
        let mut validation = Validation::new(ALGORITHM);
        validation.algorithms = vec![ALGORITHM];
        validation.leeway = LEEWAY_SECS;
        validation.validate_aud = false;
        validation.set_issuer(&[&config.jwt_issuer]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "sub"]);
        Self {
            current: Key::new(&config.jwt_secret),
            previous: config.jwt_secret_previous.as_ref().map(Key::new),
            issuer: config.jwt_issuer.clone(),
            ttl: config.access_token_ttl,
            validation,
        }
    }

    /// Issues a token for `user_id`, valid while `password_hash` is their password hash.
    pub fn issue(
        &self,
        user_id: Uuid,
        password_hash: &str,
    ) -> Result<IssuedAccessToken, AccessTokenError> {
        self.issue_at(user_id, password_hash, OffsetDateTime::now_utc())
    }

    /// Issues a token as if the time were `now` (tests use it to make expired tokens).
    pub fn issue_at(
        &self,
        user_id: Uuid,
        password_hash: &str,
        now: OffsetDateTime,
    ) -> Result<IssuedAccessToken, AccessTokenError> {
        let issued_at = now.unix_timestamp();
        let ttl_secs = i64::try_from(self.ttl.as_secs()).unwrap_or(i64::MAX);
        let claims = Claims {
            sub: user_id,
            iat: issued_at,
            exp: issued_at.saturating_add(ttl_secs),
            jti: Uuid::new_v4(),
            iss: self.issuer.clone(),
            pwd: password_stamp(password_hash),
        };
        let mut header = Header::new(ALGORITHM);
        header.kid = Some(self.current.id.clone());
        let token = jsonwebtoken::encode(&header, &claims, &self.current.encoding)
            .map_err(|error| AccessTokenError::Signing(error.into_kind()))?;
        Ok(IssuedAccessToken {
            token: SecretString::from(token),
            expires_in: self.ttl,
        })
    }

    /// Checks the signature (HS256 only, with the key named by `kid`), expiry and issuer.
    pub fn verify(&self, token: &str) -> Result<Claims, AccessTokenError> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|error| AccessTokenError::Invalid(error.into_kind()))?;
        if header.alg != ALGORITHM {
            return Err(AccessTokenError::Invalid(ErrorKind::InvalidAlgorithm));
        }
        let key = [Some(&self.current), self.previous.as_ref()]
            .into_iter()
            .flatten()
            .find(|key| header.kid.as_deref() == Some(key.id.as_str()))
            .ok_or(AccessTokenError::UnknownKey)?;
        jsonwebtoken::decode::<Claims>(token, &key.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|error| match error.into_kind() {
                ErrorKind::ExpiredSignature => AccessTokenError::Expired,
                kind => AccessTokenError::Invalid(kind),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "the-current-signing-secret-0123456789";
    const OLD_SECRET: &str = "the-previous-signing-secret-987654321";
    const HASH: &str = "$2b$04$abcdefghijklmnopqrstuu5Yc0e0QmS3o1q7n9e5ycIu2mLRk8dG6";

    fn config(secret: &str, previous: Option<&str>) -> AuthConfig {
        AuthConfig {
            jwt_secret: SecretString::from(secret),
            jwt_secret_previous: previous.map(SecretString::from),
            jwt_issuer: "test-issuer".to_owned(),
            access_token_ttl: Duration::from_secs(15 * 60),
            refresh_token_ttl: Duration::from_secs(86_400),
            bcrypt_cost: 4,
        }
    }

    fn tokens() -> AccessTokens {
        AccessTokens::new(&config(SECRET, None))
    }

    fn issue(tokens: &AccessTokens, user: Uuid) -> String {
        tokens
            .issue(user, HASH)
            .unwrap()
            .token
            .expose_secret()
            .to_owned()
    }

    /// Signs `claims` with `secret` and any algorithm, naming the service's current key.
    fn sign_as(
        tokens: &AccessTokens,
        algorithm: Algorithm,
        claims: &serde_json::Value,
        secret: &str,
    ) -> String {
        let mut header = Header::new(algorithm);
        header.kid = Some(tokens.current.id.clone());
        jsonwebtoken::encode(
            &header,
            claims,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap()
    }

    fn valid_claims(user: Uuid) -> serde_json::Value {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        serde_json::json!({
            "sub": user, "iat": now, "exp": now + 600, "jti": Uuid::new_v4(), "iss": "test-issuer",
            "pwd": password_stamp(HASH)
        })
    }

    #[test]
    fn a_fresh_token_verifies_and_carries_its_claims() {
        let tokens = tokens();
        let user = Uuid::new_v4();
        let issued = tokens.issue(user, HASH).unwrap();
        assert_eq!(issued.expires_in, Duration::from_secs(900));

        let claims = tokens.verify(issued.token.expose_secret()).unwrap();
        assert_eq!(claims.sub, user);
        assert_eq!(claims.iss, "test-issuer");
        assert_eq!(claims.exp - claims.iat, 900);
        assert_ne!(claims.jti, Uuid::nil());
    }

    #[test]
    fn every_token_has_its_own_id() {
        let tokens = tokens();
        let user = Uuid::new_v4();
        let first = tokens.verify(&issue(&tokens, user)).unwrap();
        let second = tokens.verify(&issue(&tokens, user)).unwrap();
        assert_ne!(first.jti, second.jti);
    }

    #[test]
    fn an_expired_token_is_refused() {
        let tokens = tokens();
        let an_hour_ago = OffsetDateTime::now_utc() - time::Duration::hours(1);
        let issued = tokens.issue_at(Uuid::new_v4(), HASH, an_hour_ago).unwrap();
        assert!(matches!(
            tokens.verify(issued.token.expose_secret()),
            Err(AccessTokenError::Expired)
        ));
    }

    #[test]
    fn a_tampered_token_is_refused() {
        let tokens = tokens();
        let token = issue(&tokens, Uuid::new_v4());
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        parts[1] = URL_SAFE_NO_PAD.encode(valid_claims(Uuid::new_v4()).to_string());
        let tampered = parts.join(".");
        assert!(matches!(
            tokens.verify(&tampered),
            Err(AccessTokenError::Invalid(ErrorKind::InvalidSignature))
        ));
    }

    #[test]
    fn a_token_signed_with_another_secret_is_refused() {
        let stranger = AccessTokens::new(&config(OLD_SECRET, None));
        let token = issue(&stranger, Uuid::new_v4());
        assert!(matches!(
            tokens().verify(&token),
            Err(AccessTokenError::UnknownKey)
        ));
    }

    #[test]
    fn a_token_claiming_the_current_key_but_signed_with_another_is_refused() {
        let tokens = tokens();
        let forged = sign_as(
            &tokens,
            ALGORITHM,
            &valid_claims(Uuid::new_v4()),
            OLD_SECRET,
        );
        assert!(matches!(
            tokens.verify(&forged),
            Err(AccessTokenError::Invalid(ErrorKind::InvalidSignature))
        ));
    }

    #[test]
    fn tokens_signed_with_the_previous_secret_still_verify_after_rotation() {
        let before = AccessTokens::new(&config(OLD_SECRET, None));
        let user = Uuid::new_v4();
        let old_token = issue(&before, user);

        let after = AccessTokens::new(&config(SECRET, Some(OLD_SECRET)));
        assert_eq!(after.verify(&old_token).unwrap().sub, user);
        let new_token = issue(&after, user);
        assert!(
            before.verify(&new_token).is_err(),
            "new tokens are signed with the new secret"
        );
    }

    #[test]
    fn alg_none_is_refused() {
        let header = serde_json::json!({"alg": "none", "typ": "JWT"});
        let claims = valid_claims(Uuid::new_v4());
        let unsigned = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        assert!(matches!(
            tokens().verify(&unsigned),
            Err(AccessTokenError::Invalid(_))
        ));
    }

    #[test]
    fn other_algorithms_are_refused_even_with_the_right_secret() {
        let tokens = tokens();
        for algorithm in [Algorithm::HS384, Algorithm::HS512] {
            let token = sign_as(&tokens, algorithm, &valid_claims(Uuid::new_v4()), SECRET);
            assert!(
                matches!(
                    tokens.verify(&token),
                    Err(AccessTokenError::Invalid(ErrorKind::InvalidAlgorithm))
                ),
                "{algorithm:?} must be refused"
            );
        }
    }

    #[test]
    fn a_token_from_another_issuer_is_refused() {
        let tokens = tokens();
        let mut claims = valid_claims(Uuid::new_v4());
        claims["iss"] = "someone-else".into();
        let forged = sign_as(&tokens, ALGORITHM, &claims, SECRET);
        assert!(matches!(
            tokens.verify(&forged),
            Err(AccessTokenError::Invalid(ErrorKind::InvalidIssuer))
        ));
    }

    #[test]
    fn garbage_is_refused() {
        for token in ["", "abc", "a.b.c", "a.b"] {
            assert!(tokens().verify(token).is_err(), "{token:?}");
        }
    }

    #[test]
    fn a_token_is_bound_to_the_password_hash_it_was_issued_under() {
        let tokens = tokens();
        let claims = tokens.verify(&issue(&tokens, Uuid::new_v4())).unwrap();
        assert!(claims.matches_password(HASH));
        assert!(!claims.matches_password("$2b$04$another-hash-after-a-password-change"));
        assert_eq!(claims.pwd.len(), 11);
        assert!(!HASH.contains(&claims.pwd));
    }

    #[test]
    fn a_token_without_a_password_stamp_is_refused() {
        let tokens = tokens();
        let mut claims = valid_claims(Uuid::new_v4());
        claims.as_object_mut().unwrap().remove("pwd");
        let token = sign_as(&tokens, ALGORITHM, &claims, SECRET);
        assert!(matches!(
            tokens.verify(&token),
            Err(AccessTokenError::Invalid(_))
        ));
    }

    #[test]
    fn the_key_id_does_not_reveal_the_secret() {
        let id = key_id(SECRET.as_bytes());
        assert_eq!(id.len(), 16);
        assert!(!SECRET.contains(&id));
        assert_ne!(id, key_id(OLD_SECRET.as_bytes()));
    }
}
