//! Checks a JWT from the identity provider and reads who it names.
//!
//! In order: the header's algorithm must be one of `OIDC_ALGORITHMS` (public-key algorithms
//! only, so `none`, HS* and algorithm confusion are refused before any key is looked up); the
//! key is the provider's key with the header's `kid`; then the signature, `iss` (exact), `exp`
//! and `nbf` (with the leeway), `aud` and `azp` when configured, `sub`, and `sid` when session
//! tokens are required. A token that passed is remembered ([`VerifiedTokens`]) while its key
//! stays the same, so its next requests skip the signature check but none of the others.

use std::collections::HashSet;
use std::time::Duration;

use jsonwebtoken::{Algorithm, Validation, decode, decode_header, get_current_timestamp};
use serde_json::{Map, Value};

use super::keys::{KeyError, KeyStore};
use super::verified_tokens::VerifiedTokens;
use crate::core::config::AuthConfig;

/// Subjects longer than this are refused: no provider issues them, and they are stored.
pub const MAX_SUBJECT_CHARS: usize = 255;

/// What a valid token says about its bearer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// `sub`: the provider's id of the user.
    pub subject: String,
    /// `sid`: the provider's session, when the token carries one.
    pub session_id: Option<String>,
    /// From the roles claim (`OIDC_ROLES_CLAIM`), exactly as the token writes them.
    pub roles: Vec<String>,
}

impl Identity {
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|held| held == role)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("the token is not a JWT")]
    Malformed(#[source] jsonwebtoken::errors::Error),
    #[error("tokens signed with {0:?} are not accepted")]
    Algorithm(Algorithm),
    #[error("the token's header has no kid")]
    MissingKeyId,
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("the token is invalid")]
    Invalid(#[source] jsonwebtoken::errors::Error),
    #[error("the token has no usable sub")]
    Subject,
    #[error("the token has no sid, so it is not a session token")]
    SessionId,
    #[error("the token's azp is missing or not an authorized party")]
    AuthorizedParty,
}

impl VerifyError {
    /// When the provider cannot be reached: how long until the keys are fetched again.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Key(KeyError::Unavailable { retry_after }) => Some(*retry_after),
            _ => None,
        }
    }
}

pub struct TokenVerifier {
    keys: KeyStore,
    issuer: String,
    audiences: Vec<String>,
    authorized_parties: Vec<String>,
    roles_claim: Vec<String>,
    algorithms: Vec<Algorithm>,
    require_session_id: bool,
    leeway: Duration,
    verified: VerifiedTokens,
}

impl TokenVerifier {
    pub fn new(config: &AuthConfig, keys: KeyStore) -> Self {
        Self {
            keys,
            issuer: config.issuer.clone(),
            audiences: config.audiences.clone(),
            authorized_parties: config.authorized_parties.clone(),
            roles_claim: config.roles_claim.split('.').map(str::to_owned).collect(),
            algorithms: config.algorithms.clone(),
            require_session_id: config.require_session_id,
            leeway: config.leeway,
            verified: VerifiedTokens::default(),
        }
    }

    pub async fn verify(&self, token: &str) -> Result<Identity, VerifyError> {
        let header = decode_header(token).map_err(VerifyError::Malformed)?;
        if !self.algorithms.contains(&header.alg) {
            return Err(VerifyError::Algorithm(header.alg));
        }
        let kid = header.kid.ok_or(VerifyError::MissingKeyId)?;
        let key = self.keys.key(&kid).await?;
        if key.algorithm.is_some_and(|declared| declared != header.alg) {
            return Err(VerifyError::Algorithm(header.alg));
        }
        let now = get_current_timestamp();
        if let Some(identity) = self.verified.get(token, &key, now) {
            return Ok(identity);
        }
        let claims =
            decode::<Map<String, Value>>(token, &key.decoding, &self.validation(header.alg))
                .map_err(VerifyError::Invalid)?
                .claims;
        let identity = self.identity(&claims)?;
        if let Some(window) = self.validity_window(&claims) {
            self.verified
                .remember(token, key, identity.clone(), window, now);
        }
        Ok(identity)
    }

    /// From `nbf` (or the epoch) to `exp`, widened by the leeway as the full check widens
    /// them; `None` when either is not a whole number of seconds, and such a token is checked
    /// in full every time.
    fn validity_window(&self, claims: &Map<String, Value>) -> Option<(u64, u64)> {
        let leeway = self.leeway.as_secs();
        let expires = claims.get("exp")?.as_u64()?;
        let not_before = match claims.get("nbf") {
            Some(nbf) => nbf.as_u64()?,
            None => 0,
        };
        Some((
            not_before.saturating_sub(leeway),
            expires.saturating_add(leeway),
        ))
    }

    fn validation(&self, algorithm: Algorithm) -> Validation {
        let mut validation = Validation::new(algorithm);
        validation.set_issuer(&[&self.issuer]);
        validation.leeway = self.leeway.as_secs();
        validation.validate_nbf = true;
        validation.required_spec_claims = HashSet::from(["exp", "iss", "sub"].map(str::to_owned));
        if self.audiences.is_empty() {
            validation.validate_aud = false;
        } else {
            validation.set_audience(&self.audiences);
            validation.required_spec_claims.insert("aud".to_owned());
        }
        validation
    }

    fn identity(&self, claims: &Map<String, Value>) -> Result<Identity, VerifyError> {
        let subject = claims
            .get("sub")
            .and_then(Value::as_str)
            .filter(|sub| {
                !sub.is_empty()
                    && sub.chars().count() <= MAX_SUBJECT_CHARS
                    && !sub.chars().any(char::is_control)
            })
            .ok_or(VerifyError::Subject)?;
        let session_id = claims.get("sid").and_then(Value::as_str);
        if self.require_session_id && session_id.is_none_or(str::is_empty) {
            return Err(VerifyError::SessionId);
        }
        if !self.authorized_parties.is_empty() {
            let azp = claims.get("azp").and_then(Value::as_str);
            if !azp.is_some_and(|azp| self.authorized_parties.iter().any(|party| party == azp)) {
                return Err(VerifyError::AuthorizedParty);
            }
        }
        Ok(Identity {
            subject: subject.to_owned(),
            session_id: session_id.map(str::to_owned),
            roles: roles(claims, &self.roles_claim),
        })
    }
}

/// The string or array of strings at `path` (`["metadata", "role"]` is `metadata.role`);
/// anything else there gives no roles.
fn roles(claims: &Map<String, Value>, path: &[String]) -> Vec<String> {
    let mut value = None;
    let mut level = claims;
    for (depth, segment) in path.iter().enumerate() {
        let Some(found) = level.get(segment) else {
            return Vec::new();
        };
        if depth + 1 == path.len() {
            value = Some(found);
        } else if let Value::Object(next) = found {
            level = next;
        } else {
            return Vec::new();
        }
    }
    let names: Vec<&str> = match value {
        Some(Value::String(role)) => vec![role],
        Some(Value::Array(roles)) => roles.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    names
        .into_iter()
        .filter(|role| !role.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn claims(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => unreachable!("test claims are objects"),
        }
    }

    fn path(text: &str) -> Vec<String> {
        text.split('.').map(str::to_owned).collect()
    }

    #[test]
    fn roles_come_from_a_string_an_array_or_a_nested_claim() {
        let token = claims(json!({
            "roles": ["admin", "editor", 7],
            "org_role": "org:admin",
            "metadata": {"role": "support"},
            "o": {"rol": "member"},
        }));
        assert_eq!(roles(&token, &path("roles")), ["admin", "editor"]);
        // An organisation's role keeps its prefix: it is not the service's own `admin`.
        assert_eq!(roles(&token, &path("org_role")), ["org:admin"]);
        assert_eq!(roles(&token, &path("metadata.role")), ["support"]);
        assert_eq!(roles(&token, &path("o.rol")), ["member"]);
        assert!(roles(&token, &path("missing")).is_empty());
        assert!(roles(&token, &path("roles.deeper")).is_empty());
        assert!(roles(&claims(json!({"roles": {"admin": true}})), &path("roles")).is_empty());
    }
}
