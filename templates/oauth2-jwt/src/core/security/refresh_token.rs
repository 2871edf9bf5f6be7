//! Refresh tokens: 256 random bits handed to the client once; only their SHA-256 is stored.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

/// Random bytes in a token: 256 bits.
pub const TOKEN_BYTES: usize = 32;

#[derive(Debug, thiserror::Error)]
#[error("the operating system's random number generator failed: {0}")]
pub struct RandomnessError(String);

/// A newly generated token: the value for the client and the hash for the database.
pub struct NewRefreshToken {
    pub token: SecretString,
    pub hash: Vec<u8>,
}

/// Draws a token from the operating system's CSPRNG.
pub fn generate() -> Result<NewRefreshToken, RandomnessError> {
    let mut bytes = [0_u8; TOKEN_BYTES];
    getrandom::fill(&mut bytes).map_err(|error| RandomnessError(error.to_string()))?;
    let token = SecretString::from(URL_SAFE_NO_PAD.encode(bytes));
    let hash = hash(token.expose_secret());
    Ok(NewRefreshToken { token, hash })
}

/// The stored form of a token. A fast hash is enough: the token is random, not a password.
pub fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_carry_256_random_bits_in_url_safe_text() {
        let token = generate().unwrap();
        let text = token.token.expose_secret();
        assert_eq!(text.len(), 43, "{text}");
        assert!(
            text.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            "{text}"
        );
        assert_eq!(URL_SAFE_NO_PAD.decode(text).unwrap().len(), TOKEN_BYTES);
    }

    #[test]
    fn tokens_do_not_repeat() {
        let first = generate().unwrap();
        let second = generate().unwrap();
        assert_ne!(first.token.expose_secret(), second.token.expose_secret());
        assert_ne!(first.hash, second.hash);
    }

    #[test]
    fn the_stored_hash_is_the_sha256_of_the_token() {
        let token = generate().unwrap();
        assert_eq!(token.hash.len(), 32);
        assert_eq!(token.hash, hash(token.token.expose_secret()));
        assert_ne!(token.hash, token.token.expose_secret().as_bytes());
    }
}
