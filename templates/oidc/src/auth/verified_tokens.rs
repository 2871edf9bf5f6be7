//! Tokens this service has already verified, so a client sending the same token with every
//! request pays for its signature check once instead of on every request.
//!
//! A remembered token is answered only while three things hold: it is the exact token string
//! that was verified; the key that verified it is still the one the key store hands out for
//! its `kid` (any fetch of the key set replaces every key, so a rotation, or a provider that
//! withdraws or republishes a key, sends each token through a full check again); and the time
//! is still inside its `nbf`..`exp` window with the same leeway the full check allows. Every
//! other check (issuer, audience, `azp`, `sub`, `sid`) depends only on the token and the
//! configuration, which do not change while the service runs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use super::keys::SigningKey;
use super::verifier::Identity;

/// At most this many tokens are remembered; tokens longer than [`MAX_REMEMBERED_TOKEN_BYTES`]
/// are not, so the memory held stays under about 4 MiB whatever clients send.
pub const MAX_REMEMBERED_TOKENS: usize = 1024;
pub const MAX_REMEMBERED_TOKEN_BYTES: usize = 4096;

struct Verified {
    key: Arc<SigningKey>,
    identity: Identity,
    /// `nbf - leeway` and `exp + leeway`, in seconds since the Unix epoch.
    valid_from: u64,
    valid_until: u64,
}

#[derive(Default)]
pub struct VerifiedTokens {
    entries: Mutex<HashMap<Box<str>, Verified>>,
}

impl VerifiedTokens {
    /// The identity `token` was found to carry, if it was verified with `key` and `now` is
    /// inside its validity window.
    pub fn get(&self, token: &str, key: &Arc<SigningKey>, now: u64) -> Option<Identity> {
        let entries = self.entries();
        let verified = entries.get(token)?;
        (Arc::ptr_eq(&verified.key, key)
            && verified.valid_from <= now
            && now <= verified.valid_until)
            .then(|| verified.identity.clone())
    }

    /// Remembers that `token` passed the full check with `key`, valid from `valid_from` to
    /// `valid_until` (leeway included). When full, forgets the expired tokens, or all of them.
    pub fn remember(
        &self,
        token: &str,
        key: Arc<SigningKey>,
        identity: Identity,
        (valid_from, valid_until): (u64, u64),
        now: u64,
    ) {
        if token.len() > MAX_REMEMBERED_TOKEN_BYTES {
            return;
        }
        let mut entries = self.entries();
        if entries.len() >= MAX_REMEMBERED_TOKENS {
            entries.retain(|_, verified| now <= verified.valid_until);
            if entries.len() >= MAX_REMEMBERED_TOKENS {
                entries.clear();
            }
        }
        entries.insert(
            token.into(),
            Verified {
                key,
                identity,
                valid_from,
                valid_until,
            },
        );
    }

    /// The remembered tokens. A panic while they were held cannot leave them half-written
    /// (each change is one insert, retain or clear), so a poisoned lock is still used.
    fn entries(&self) -> MutexGuard<'_, HashMap<Box<str>, Verified>> {
        self.entries
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries().len()
    }
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::DecodingKey;

    use super::*;

    fn key() -> Arc<SigningKey> {
        Arc::new(SigningKey {
            decoding: DecodingKey::from_secret(b"unit-test"),
            algorithm: None,
        })
    }

    fn identity(subject: &str) -> Identity {
        Identity {
            subject: subject.to_owned(),
            session_id: None,
            roles: Vec::new(),
        }
    }

    #[test]
    fn a_token_is_answered_only_for_the_same_key_and_inside_its_window() {
        let tokens = VerifiedTokens::default();
        let key = key();
        tokens.remember("a.b.c", key.clone(), identity("user_a"), (100, 200), 150);

        assert_eq!(tokens.get("a.b.c", &key, 150), Some(identity("user_a")));
        assert_eq!(tokens.get("a.b.c", &key, 100), Some(identity("user_a")));
        assert_eq!(tokens.get("a.b.c", &key, 200), Some(identity("user_a")));
        assert_eq!(tokens.get("a.b.c", &key, 99), None, "before nbf");
        assert_eq!(tokens.get("a.b.c", &key, 201), None, "after exp");
        // The same kid fetched again is another key: the token must be checked again.
        assert_eq!(tokens.get("a.b.c", &self::key(), 150), None);
        assert_eq!(tokens.get("a.b.C", &key, 150), None);
    }

    #[test]
    fn memory_is_bounded_and_expired_tokens_go_first() {
        let tokens = VerifiedTokens::default();
        let key = key();
        tokens.remember("live", key.clone(), identity("live"), (0, 10_000), 0);
        for n in 1..MAX_REMEMBERED_TOKENS {
            tokens.remember(
                &format!("old-{n}"),
                key.clone(),
                identity("old"),
                (0, 10),
                0,
            );
        }
        assert_eq!(tokens.len(), MAX_REMEMBERED_TOKENS);

        tokens.remember("new", key.clone(), identity("new"), (0, 10_000), 50);

        assert_eq!(tokens.len(), 2);
        assert_eq!(tokens.get("live", &key, 50), Some(identity("live")));
        assert_eq!(tokens.get("new", &key, 50), Some(identity("new")));

        for n in 0..=MAX_REMEMBERED_TOKENS {
            tokens.remember(
                &format!("live-{n}"),
                key.clone(),
                identity("x"),
                (0, 10_000),
                50,
            );
        }
        assert!(tokens.len() <= MAX_REMEMBERED_TOKENS);
    }

    #[test]
    fn a_very_long_token_is_not_remembered() {
        let tokens = VerifiedTokens::default();
        let long = "x".repeat(MAX_REMEMBERED_TOKEN_BYTES + 1);
        tokens.remember(&long, key(), identity("user_a"), (0, 10), 0);
        assert_eq!(tokens.len(), 0);
    }
}
