//! Opaque tokens: 256 random bits from the operating system, handed to the client once as
//! base64url text and stored only as their SHA-256: the tokens the auth layer issues.
//!
//! A fast hash is enough here: the tokens are random and long, so there is nothing to guess,
//! and the database holds nothing that could be replayed.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

/// 256 bits.
pub const TOKEN_BYTES: usize = 32;

#[derive(Debug, thiserror::Error)]
#[error("the operating system's random number generator failed: {0}")]
pub struct RandomnessError(getrandom::Error);

/// A token as the client holds it, with the hash the database keeps.
pub struct NewToken {
    pub token: SecretString,
    pub hash: Vec<u8>,
}

impl NewToken {
    /// Draws a token from the operating system's CSPRNG.
    pub fn generate() -> Result<Self, RandomnessError> {
        let mut bytes = [0u8; TOKEN_BYTES];
        getrandom::fill(&mut bytes).map_err(RandomnessError)?;
        let token = URL_SAFE_NO_PAD.encode(bytes);
        let hash = hash(&token);
        Ok(Self {
            token: SecretString::from(token),
            hash,
        })
    }

    pub fn expose(&self) -> &str {
        self.token.expose_secret()
    }
}

/// SHA-256 of a presented token: what lookups compare.
pub fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_256_bit_base64url_and_unique() {
        let first = NewToken::generate().unwrap();
        let second = NewToken::generate().unwrap();
        assert_eq!(first.expose().len(), 43, "32 bytes without padding");
        assert!(
            first
                .expose()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(
            URL_SAFE_NO_PAD.decode(first.expose()).unwrap().len(),
            TOKEN_BYTES
        );
        assert_ne!(first.expose(), second.expose());
        assert_ne!(first.hash, second.hash);
    }

    #[test]
    fn only_the_hash_is_kept_and_it_matches_the_token() {
        let token = NewToken::generate().unwrap();
        assert_eq!(token.hash, hash(token.expose()));
        assert_eq!(token.hash.len(), 32);
        assert_ne!(token.hash, token.expose().as_bytes());
    }

    #[test]
    fn secrets_do_not_print() {
        let token = NewToken::generate().unwrap();
        assert!(!format!("{:?}", token.token).contains(token.expose()));
    }
}
