//! bcrypt password hashing, always on a blocking thread so the async runtime keeps serving.

use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};

/// bcrypt reads 72 bytes: the password and its terminating zero byte. Anything longer would be
/// cut silently, so longer passwords are refused instead.
pub const MAX_PASSWORD_BYTES: usize = 71;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("bcrypt failed")]
    Bcrypt(#[from] bcrypt::BcryptError),
    #[error("the hashing thread stopped unexpectedly")]
    Join(#[from] tokio::task::JoinError),
}

/// Hashes and verifies passwords at one configured cost.
#[derive(Clone)]
pub struct PasswordHasher {
    cost: u32,
    /// A hash of a random password, verified when the user does not exist so that an unknown
    /// e-mail address takes as long to refuse as a wrong password.
    dummy_hash: Arc<str>,
}

impl PasswordHasher {
    /// Prepares a hasher; computing the dummy hash takes as long as one real hash.
    pub async fn new(cost: u32) -> Result<Self, PasswordError> {
        let dummy_hash = tokio::task::spawn_blocking(move || {
            bcrypt::non_truncating_hash("a password no account has", cost)
        })
        .await??;
        Ok(Self {
            cost,
            dummy_hash: dummy_hash.into(),
        })
    }

    pub async fn hash(&self, password: SecretString) -> Result<String, PasswordError> {
        let cost = self.cost;
        let hash = tokio::task::spawn_blocking(move || {
            bcrypt::non_truncating_hash(password.expose_secret(), cost)
        })
        .await??;
        Ok(hash)
    }

    /// Checks `password` against `hash`. Without a hash (unknown user) it verifies against the
    /// dummy hash and answers `false`, spending the same time as a real check.
    pub async fn verify(
        &self,
        password: SecretString,
        hash: Option<String>,
    ) -> Result<bool, PasswordError> {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.dummy_hash.to_string());
        let matches = tokio::task::spawn_blocking(move || {
            match bcrypt::non_truncating_verify(password.expose_secret(), &hash) {
                Err(bcrypt::BcryptError::Truncation(_)) => Ok(false),
                other => other,
            }
        })
        .await??;
        Ok(known && matches)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn hasher() -> PasswordHasher {
        PasswordHasher::new(4).await.unwrap()
    }

    fn secret(text: &str) -> SecretString {
        SecretString::from(text)
    }

    #[tokio::test]
    async fn a_hash_verifies_its_own_password_only() {
        let hasher = hasher().await;
        let hash = hasher.hash(secret("correct horse battery")).await.unwrap();
        assert!(hash.starts_with("$2b$04$"), "{hash}");
        assert!(
            hasher
                .verify(secret("correct horse battery"), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(
            !hasher
                .verify(secret("correct horse battery!"), Some(hash))
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn the_same_password_hashes_differently_each_time() {
        let hasher = hasher().await;
        let first = hasher.hash(secret("same password")).await.unwrap();
        let second = hasher.hash(secret("same password")).await.unwrap();
        assert_ne!(first, second, "each hash must have its own salt");
    }

    #[tokio::test]
    async fn an_unknown_user_never_verifies() {
        let hasher = hasher().await;
        assert!(!hasher.verify(secret("anything"), None).await.unwrap());
    }

    #[tokio::test]
    async fn passwords_longer_than_bcrypt_reads_are_refused_not_truncated() {
        let hasher = hasher().await;
        let long = "x".repeat(MAX_PASSWORD_BYTES + 1);
        assert!(matches!(
            hasher.hash(secret(&long)).await,
            Err(PasswordError::Bcrypt(bcrypt::BcryptError::Truncation(_)))
        ));
        let hash = hasher
            .hash(secret(&long[..MAX_PASSWORD_BYTES]))
            .await
            .unwrap();
        assert!(!hasher.verify(secret(&long), Some(hash)).await.unwrap());
    }

    #[tokio::test]
    async fn the_configured_cost_is_used() {
        let hasher = PasswordHasher::new(5).await.unwrap();
        let hash = hasher.hash(secret("cost five")).await.unwrap();
        assert!(hash.starts_with("$2b$05$"), "{hash}");
    }
}
