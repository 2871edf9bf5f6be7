//! bcrypt password hashing, always on a thread of its own so the async runtime keeps serving,
//! and always through the process's `PasswordGate`, so only so many run at once.

use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};

use crate::core::config::PasswordHashingConfig;
use crate::core::password_gate::{HashingError, PasswordGate};

/// bcrypt reads 72 bytes: the password and its terminating zero byte. Anything longer would be
/// cut silently, so longer passwords are refused instead.
pub const MAX_PASSWORD_BYTES: usize = 71;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("bcrypt failed")]
    Bcrypt(#[from] bcrypt::BcryptError),
    #[error("the password was not hashed")]
    Gate(#[from] HashingError),
}

/// Hashes and verifies passwords at one configured cost.
#[derive(Clone)]
pub struct PasswordHasher {
    cost: u32,
    /// A hash of a random password, verified when the user does not exist so that an unknown
    /// e-mail address takes as long to refuse as a wrong password.
    dummy_hash: Arc<str>,
    gate: Arc<PasswordGate>,
}

impl PasswordHasher {
    /// Prepares a hasher behind a gate of its own, one slot per CPU; computing the dummy hash
    /// takes as long as one real hash.
    pub async fn new(cost: u32) -> Result<Self, PasswordError> {
        let gate = Arc::new(PasswordGate::new(&PasswordHashingConfig::default()));
        let dummy_hash = gate
            .run(move || bcrypt::non_truncating_hash("a password no account has", cost))
            .await??;
        Ok(Self {
            cost,
            dummy_hash: dummy_hash.into(),
            gate,
        })
    }

    /// The same hasher, hashing through `gate` (the one the whole process shares).
    pub fn with_gate(self, gate: Arc<PasswordGate>) -> Self {
        Self { gate, ..self }
    }

    pub async fn hash(&self, password: SecretString) -> Result<String, PasswordError> {
        let cost = self.cost;
        let hash = self
            .gate
            .run(move || bcrypt::non_truncating_hash(password.expose_secret(), cost))
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
        let matches = self
            .gate
            .run(
                move || match bcrypt::non_truncating_verify(password.expose_secret(), &hash) {
                    Err(bcrypt::BcryptError::Truncation(_)) => Ok(false),
                    other => other,
                },
            )
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
    async fn hashes_and_checks_go_through_the_gate_one_at_a_time() {
        crate::core::password_gate::assert_hasher_goes_through_the_gate(hasher().await).await;
    }

    #[tokio::test]
    async fn a_saturated_gate_refuses_instead_of_hashing() {
        let gate = Arc::new(PasswordGate::new(&PasswordHashingConfig {
            concurrency: 1,
            queue: 0,
            wait: std::time::Duration::ZERO,
        }));
        let hasher = PasswordHasher::new(10).await.unwrap().with_gate(gate);
        let slow = {
            let hasher = hasher.clone();
            tokio::spawn(async move { hasher.hash(secret("slow")).await })
        };
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        assert!(matches!(
            hasher.verify(secret("anything"), None).await,
            Err(PasswordError::Gate(HashingError::Busy(_)))
        ));
        slow.await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn the_configured_cost_is_used() {
        let hasher = PasswordHasher::new(5).await.unwrap();
        let hash = hasher.hash(secret("cost five")).await.unwrap();
        assert!(hash.starts_with("$2b$05$"), "{hash}");
    }
}
