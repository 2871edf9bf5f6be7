//! Argon2id password hashing, always on a thread of its own so the async workers keep serving,
//! and always through the process's `PasswordGate`, so only so many (19 MiB each) run at once.

use std::sync::Arc;

use anyhow::Context;
use argon2::password_hash::PasswordHasher as _;
use argon2::password_hash::phc::{Output, PasswordHash};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use secrecy::{ExposeSecret, SecretString};

use crate::core::config::{Argon2Config, PasswordHashingConfig};
use crate::core::password_gate::PasswordGate;

/// A bound on the work one login can cause; Argon2 itself has no limit.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Hashes and verifies passwords with the configured Argon2id parameters.
#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    /// Verified against when the e-mail is unknown, so that answer takes as long as a real one.
    dummy_hash: Arc<str>,
    gate: Arc<PasswordGate>,
}

/// Allocations of at least this many bytes are mapped for themselves and unmapped when freed.
const DIRECT_MAPPING_THRESHOLD: i32 = 1024 * 1024;

/// glibc's allocator raises its mapping threshold after the first large block is freed, so
/// from then on each thread's arena keeps a freed Argon2 buffer (19 MiB by default) for
/// itself: under a burst of logins the process stayed hundreds of MiB above its idle size.
/// A fixed threshold maps every buffer of a MiB or more directly and returns it on free.
fn give_hashing_buffers_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            // SAFETY: mallopt only changes a parameter of glibc's allocator, under the
            // allocator's own lock; it reads and writes no memory of ours.
            let changed =
                unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, DIRECT_MAPPING_THRESHOLD) };
            if changed != 1 {
                tracing::warn!("the allocator refused a fixed mapping threshold");
            }
        });
    }
}

impl PasswordHasher {
    /// Checks the parameters and prepares the dummy hash (one hash's worth of work), behind a
    /// gate of its own with one slot per CPU.
    pub async fn new(config: Argon2Config) -> anyhow::Result<Self> {
        give_hashing_buffers_back();
        let params = Params::new(
            config.memory_kib,
            config.iterations,
            config.parallelism,
            None,
        )
        .map_err(|error| anyhow::anyhow!("invalid Argon2 parameters: {error}"))?;
        let dummy = SecretString::from("a password nobody has");
        let gate = Arc::new(PasswordGate::new(&PasswordHashingConfig::default()));
        let dummy_hash = hash_gated(&gate, params.clone(), dummy).await?;
        Ok(Self {
            params,
            dummy_hash: dummy_hash.into(),
            gate,
        })
    }

    /// The same hasher, hashing through `gate` (the one the whole process shares).
    pub fn with_gate(self, gate: Arc<PasswordGate>) -> Self {
        Self { gate, ..self }
    }

    /// A PHC string (`$argon2id$v=19$m=...`) with a fresh random salt.
    pub async fn hash(&self, password: SecretString) -> anyhow::Result<String> {
        hash_gated(&self.gate, self.params.clone(), password).await
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
        let matches = self
            .gate
            .run_with_scratch(move |memory: &mut Vec<Block>| {
                let parsed =
                    PasswordHash::new(&stored).context("a stored password hash is malformed")?;
                Ok::<_, anyhow::Error>(matches_in(
                    password.expose_secret().as_bytes(),
                    &parsed,
                    memory,
                ))
            })
            .await??;
        Ok(known && matches)
    }
}

/// Whether `password` hashes to `stored` with the algorithm, version and parameters `stored`
/// names, computed in `memory` (resized to the parameters) instead of a buffer of its own. As
/// argon2's `verify_password`, a hash that cannot be recomputed does not match, and the
/// outputs are compared in constant time (`Output`'s equality).
fn matches_in(password: &[u8], stored: &PasswordHash, memory: &mut Vec<Block>) -> bool {
    let (Some(salt), Some(expected)) = (&stored.salt, &stored.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(stored.algorithm.as_str()) else {
        return false;
    };
    let Ok(version) = stored
        .version
        .map_or(Ok(Version::default()), Version::try_from)
    else {
        return false;
    };
    let Ok(params) = Params::try_from(stored) else {
        return false;
    };
    // A stored hash naming more memory than can be had does not match, as with argon2's own
    // check, instead of aborting the process.
    let needed = params.block_count();
    if memory
        .try_reserve_exact(needed.saturating_sub(memory.len()))
        .is_err()
    {
        return false;
    }
    memory.resize(needed, Block::default());
    let mut computed = vec![0; expected.len()];
    Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password, salt.as_ref(), &mut computed, &mut memory[..])
        .is_ok_and(|()| Output::new(&computed).is_ok_and(|computed| computed == *expected))
}

async fn hash_gated(
    gate: &PasswordGate,
    params: Params,
    password: SecretString,
) -> anyhow::Result<String> {
    gate.run(move || {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password(password.expose_secret().as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|error| anyhow::anyhow!("failed to hash a password: {error}"))
    })
    .await?
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
        let slow_params = Argon2Config {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
        };
        let hasher = PasswordHasher::new(slow_params)
            .await
            .unwrap()
            .with_gate(gate);
        let slow = {
            let hasher = hasher.clone();
            tokio::spawn(async move { hasher.hash(secret("slow")).await })
        };
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let refused = hasher.verify(secret("anything"), None).await.unwrap_err();
        assert!(
            refused
                .downcast_ref::<crate::core::password_gate::HashingError>()
                .is_some(),
            "{refused:#}"
        );
        slow.await.unwrap().unwrap();
    }

    #[test]
    fn checks_in_reused_memory_agree_with_argon2s_own_verification() {
        use argon2::password_hash::PasswordVerifier as _;
        let mut memory = Vec::new();
        for (algorithm, memory_kib) in [
            (Algorithm::Argon2id, 64),
            (Algorithm::Argon2i, 16),
            (Algorithm::Argon2d, 32),
        ] {
            let params = Params::new(memory_kib, 1, 1, None).unwrap();
            let stored = Argon2::new(algorithm, Version::V0x13, params)
                .hash_password(b"correct horse")
                .unwrap()
                .to_string();
            let parsed = PasswordHash::new(&stored).unwrap();
            assert!(
                matches_in(b"correct horse", &parsed, &mut memory),
                "{stored}"
            );
            for attempt in [&b"correct horse"[..], b"correct horsE", b""] {
                assert_eq!(
                    matches_in(attempt, &parsed, &mut memory),
                    Argon2::default().verify_password(attempt, &parsed).is_ok(),
                    "{stored} against {attempt:?}"
                );
            }
            assert_eq!(
                memory.len(),
                memory_kib as usize,
                "resized to the hash's memory"
            );
        }
        let without_output = PasswordHash::new("$argon2id$v=19$m=16,t=1,p=1$c2FsdHNhbHQ").unwrap();
        assert!(!matches_in(b"", &without_output, &mut memory));
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
