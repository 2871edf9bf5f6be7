//! Argon2id password hashing, always on a blocking thread so the async workers keep serving.

use std::sync::Arc;

use anyhow::Context;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};

use crate::core::config::Argon2Config;

/// A bound on the work one login can cause; Argon2 itself has no limit.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Hashes and verifies passwords with the configured Argon2id parameters.
#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    /// Verified against when the e-mail is unknown, so that answer takes as long as a real one.
    dummy_hash: Arc<str>,
}

impl PasswordHasher {
    /// Checks the parameters and prepares the dummy hash (one hash's worth of work).
    pub async fn new(config: Argon2Config) -> anyhow::Result<Self> {
        let params = Params::new(
            config.memory_kib,
            config.iterations,
            config.parallelism,
            None,
        )
        .map_err(|error| anyhow::anyhow!("invalid Argon2 parameters: {error}"))?;
        let dummy = SecretString::from("a password nobody has");
        let dummy_hash = hash_blocking(params.clone(), dummy).await?;
        Ok(Self {
            params,
            dummy_hash: dummy_hash.into(),
        })
    }

    /// A PHC string (`$argon2id$v=19$m=...`) with a fresh random salt.
    pub async fn hash(&self, password: SecretString) -> anyhow::Result<String> {
        hash_blocking(self.params.clone(), password).await
    }

    /// Whether `password` matches `stored`. With no stored hash (unknown user) it verifies
    /// against the dummy hash and answers `false`, spending the same time.
    pub async fn verify(
        &self,
        password: SecretString,
        stored: Option<String>,
    ) -> anyhow::Result<bool> {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| self.dummy_hash.to_string());
        let matches = tokio::task::spawn_blocking(move || {
            let parsed =
                PasswordHash::new(&stored).context("a stored password hash is malformed")?;
            Ok::<_, anyhow::Error>(
                Argon2::default()
                    .verify_password(password.expose_secret().as_bytes(), &parsed)
                    .is_ok(),
            )
        })
        .await
        .context("the password verification thread stopped")??;
        Ok(known && matches)
    }
}

async fn hash_blocking(params: Params, password: SecretString) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password(password.expose_secret().as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|error| anyhow::anyhow!("failed to hash a password: {error}"))
    })
    .await
    .context("the password hashing thread stopped")?
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::config::MIN_ARGON2_MEMORY_KIB;

    async fn hasher() -> PasswordHasher {
        PasswordHasher::new(Argon2Config {
            memory_kib: MIN_ARGON2_MEMORY_KIB,
            iterations: 1,
            parallelism: 1,
        })
        .await
        .unwrap()
    }

    fn secret(text: &str) -> SecretString {
        SecretString::from(text)
    }

    #[tokio::test]
    async fn a_hash_is_argon2id_salted_and_verifies() {
        let hasher = hasher().await;
        let first = hasher.hash(secret("correct horse")).await.unwrap();
        let second = hasher.hash(secret("correct horse")).await.unwrap();
        assert!(first.starts_with("$argon2id$v=19$m=8,t=1,p=1$"), "{first}");
        assert_ne!(first, second, "each hash has its own salt");
        assert!(
            hasher
                .verify(secret("correct horse"), Some(first))
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn a_wrong_password_does_not_verify() {
        let hasher = hasher().await;
        let hash = hasher.hash(secret("correct horse")).await.unwrap();
        assert!(
            !hasher
                .verify(secret("battery staple"), Some(hash))
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn an_unknown_user_never_verifies_not_even_with_the_dummy_password() {
        let hasher = hasher().await;
        assert!(
            !hasher
                .verify(secret("a password nobody has"), None)
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn hashes_made_with_other_parameters_still_verify() {
        let old = PasswordHasher::new(Argon2Config {
            memory_kib: 16,
            iterations: 2,
            parallelism: 1,
        })
        .await
        .unwrap();
        let hash = old.hash(secret("correct horse")).await.unwrap();
        assert!(
            hasher()
                .await
                .verify(secret("correct horse"), Some(hash))
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn impossible_parameters_are_refused() {
        let error = PasswordHasher::new(Argon2Config {
            memory_kib: 1,
            iterations: 1,
            parallelism: 1,
        })
        .await
        .err()
        .unwrap();
        assert!(
            error.to_string().contains("invalid Argon2 parameters"),
            "{error}"
        );
    }
}
