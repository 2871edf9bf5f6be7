//! The identity provider's signing keys: fetched, cached, and fetched again sparingly.
//!
//! - A known key id is answered from the cache while the keys are younger than the cache
//!   lifetime; older keys trigger a refetch and stay usable if that fails, so a provider outage
//!   does not log anyone out.
//! - An unknown key id (the provider rotated its keys) triggers a refetch, but at most one per
//!   minimum interval and one at a time: callers that arrive while a fetch runs wait for it
//!   and share its result. Forged key ids therefore cannot make the service hammer the provider.
//! - If the provider cannot be reached and no cached key fits, the caller learns when the next
//!   fetch may happen, which becomes a 503 with `Retry-After`.
//!
//! Fetches and failed fetches are counted through the `metrics` facade ([`FETCHES_METRIC`],
//! [`FETCH_FAILURES_METRIC`]).

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::error::Chain;

/// Counter: requests for the provider's key set, answered or not.
pub const FETCHES_METRIC: &str = "jwks_fetches_total";
const FETCHES_HELP: &str = "Requests for the identity provider's key set";
/// Counter: key-set requests that failed (unreachable, an error status, a malformed answer).
pub const FETCH_FAILURES_METRIC: &str = "jwks_fetch_failures_total";
const FETCH_FAILURES_HELP: &str = "Requests for the identity provider's key set that failed";

/// A public key the provider signs with, and the algorithm it is declared for, if any.
pub struct SigningKey {
    pub decoding: DecodingKey,
    pub algorithm: Option<Algorithm>,
}

/// Why no key could be given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The provider does not publish this key id (after a successful fetch).
    #[error("the identity provider publishes no key with this id")]
    Unknown,
    /// The provider could not be asked, and nothing cached fits.
    #[error("the identity provider's keys cannot be fetched")]
    Unavailable { retry_after: Duration },
}

/// Why a fetch of the keys failed.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("request to {url} failed")]
    Request {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("{url} answered {status}")]
    Status { url: String, status: u16 },
    #[error("{url} answered more than {limit} bytes")]
    TooLarge { url: String, limit: usize },
    #[error("{url} did not answer the expected JSON")]
    Malformed {
        url: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("the discovery document names issuer {found:?}, not {expected:?}")]
    IssuerMismatch { expected: String, found: String },
    #[error("the key set has no usable signing key")]
    NoUsableKey,
}

pub type Fetch<'a> = Pin<Box<dyn Future<Output = Result<JwkSet, FetchError>> + Send + 'a>>;

/// Where key sets come from: the provider over HTTP, or a test's own source.
pub trait KeySource: Send + Sync {
    fn fetch(&self) -> Fetch<'_>;
}

/// The provider's keys, shared by every request: cloning shares the same cache.
#[derive(Clone)]
pub struct KeyStore {
    shared: Arc<Shared>,
}

struct Shared {
    source: Box<dyn KeySource>,
    algorithms: Vec<Algorithm>,
    lifetime: Duration,
    min_refetch_interval: Duration,
    cache: RwLock<Cache>,
    fetches: Arc<Mutex<FetchLog>>,
}

#[derive(Default)]
struct Cache {
    keys: HashMap<String, Arc<SigningKey>>,
    fetched_at: Option<Instant>,
}

/// When the last fetch ended, and whether it failed.
#[derive(Default)]
struct FetchLog {
    last_ended: Option<Instant>,
    last_failed: bool,
}

/// What the latest fetch says to a caller that did not find its key.
struct LastFetch {
    failed: bool,
    /// Until the next fetch may start.
    retry_after: Duration,
}

impl KeyStore {
    pub fn new(
        source: Box<dyn KeySource>,
        algorithms: Vec<Algorithm>,
        lifetime: Duration,
        min_refetch_interval: Duration,
    ) -> Self {
        Self {
            shared: Arc::new(Shared {
                source,
                algorithms,
                lifetime,
                min_refetch_interval,
                cache: RwLock::default(),
                fetches: Arc::default(),
            }),
        }
    }

    /// The key with id `kid`. A fresh cache answers at once; an old one answers at once too
    /// while a fetch renews it in the background; an unknown id waits for a fetch.
    pub async fn key(&self, kid: &str) -> Result<Arc<SigningKey>, KeyError> {
        match self.shared.cached(kid) {
            (Some(key), true) => return Ok(key),
            (Some(key), false) => {
                self.renew_in_background();
                return Ok(key);
            }
            (None, _) => {}
        }
        let last = self.refetch().await;
        // Whatever the fetch did, a key in the cache now is the answer.
        if let (Some(key), _) = self.shared.cached(kid) {
            return Ok(key);
        }
        if last.failed {
            Err(KeyError::Unavailable {
                retry_after: last.retry_after,
            })
        } else {
            // A fetch answered without this key: the provider no longer (or never) published it.
            Err(KeyError::Unknown)
        }
    }

    /// Starts a fetch unless one is running or the interval has not passed.
    fn renew_in_background(&self) {
        let Ok(log) = self.shared.fetches.try_lock() else {
            return;
        };
        if !self.shared.is_due(&log) {
            return;
        }
        drop(log);
        let store = self.clone();
        tokio::spawn(async move { store.refetch().await });
    }

    /// Fetches the key set unless one ended too recently. Callers queue on the lock; whoever
    /// finds that a fetch ended while it waited takes that fetch's result. The fetch runs in a
    /// task of its own, so a caller that gives up (a timeout, a client gone) cannot abandon it
    /// halfway and leave the others without an answer.
    async fn refetch(&self) -> LastFetch {
        let waiting_since = Instant::now();
        let log = self.shared.fetches.clone().lock_owned().await;
        if log.last_ended.is_some_and(|ended| ended >= waiting_since) || !self.shared.is_due(&log) {
            return self.shared.last_fetch(&log);
        }
        let shared = self.shared.clone();
        match tokio::spawn(shared.fetch_into_cache(log)).await {
            Ok(last) => last,
            Err(_) => LastFetch {
                failed: true,
                retry_after: self.shared.min_refetch_interval,
            },
        }
    }
}

impl Shared {
    fn cached(&self, kid: &str) -> (Option<Arc<SigningKey>>, bool) {
        let cache = self
            .cache
            .read()
            .unwrap_or_else(|poison| poison.into_inner());
        let fresh = cache
            .fetched_at
            .is_some_and(|at| at.elapsed() < self.lifetime);
        (cache.keys.get(kid).cloned(), fresh)
    }

    fn is_due(&self, log: &FetchLog) -> bool {
        log.last_ended
            .is_none_or(|ended| ended.elapsed() >= self.min_refetch_interval)
    }

    fn last_fetch(&self, log: &FetchLog) -> LastFetch {
        let since = log
            .last_ended
            .map_or(Duration::MAX, |ended| ended.elapsed());
        LastFetch {
            failed: log.last_failed,
            retry_after: self
                .min_refetch_interval
                .saturating_sub(since)
                .max(Duration::from_secs(1)),
        }
    }

    async fn fetch_into_cache(self: Arc<Self>, mut log: OwnedMutexGuard<FetchLog>) -> LastFetch {
        let fetched = self.source.fetch().await.and_then(|set| self.usable(&set));
        metrics::counter!(description: FETCHES_HELP, FETCHES_METRIC).increment(1);
        log.last_failed = match fetched {
            Ok(keys) => {
                tracing::info!(keys = keys.len(), "fetched the identity provider's keys");
                let mut cache = self
                    .cache
                    .write()
                    .unwrap_or_else(|poison| poison.into_inner());
                *cache = Cache {
                    keys,
                    fetched_at: Some(Instant::now()),
                };
                false
            }
            Err(error) => {
                metrics::counter!(description: FETCH_FAILURES_HELP, FETCH_FAILURES_METRIC)
                    .increment(1);
                tracing::warn!(error = %Chain(&error), "cannot fetch the identity provider's keys");
                true
            }
        };
        // The interval counts from the end, so a slow provider is not asked back to back.
        log.last_ended = Some(Instant::now());
        self.last_fetch(&log)
    }

    /// The signing keys of `set` this service may use: with an id, meant for signatures, of a
    /// public-key type, and not declared for an algorithm outside the allowed ones.
    fn usable(&self, set: &JwkSet) -> Result<HashMap<String, Arc<SigningKey>>, FetchError> {
        let mut keys = HashMap::new();
        for jwk in &set.keys {
            let Some(kid) = &jwk.common.key_id else {
                continue;
            };
            if matches!(
                jwk.common.public_key_use,
                Some(PublicKeyUse::Encryption | PublicKeyUse::Other(_))
            ) || matches!(
                jwk.algorithm,
                AlgorithmParameters::OctetKey(_) | AlgorithmParameters::Other(_)
            ) {
                continue;
            }
            let algorithm = match jwk.common.key_algorithm {
                Some(declared) => match declared.to_string().parse::<Algorithm>() {
                    Ok(algorithm) if self.algorithms.contains(&algorithm) => Some(algorithm),
                    _ => continue,
                },
                None => None,
            };
            let Ok(decoding) = DecodingKey::from_jwk(jwk) else {
                continue;
            };
            keys.insert(
                kid.clone(),
                Arc::new(SigningKey {
                    decoding,
                    algorithm,
                }),
            );
        }
        if keys.is_empty() {
            return Err(FetchError::NoUsableKey);
        }
        Ok(keys)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use jsonwebtoken::jwk::Jwk;

    use super::*;

    /// Hands out the key sets a test queues, `None` meaning "the provider is down".
    struct Scripted {
        answers: std::sync::Mutex<Vec<Option<JwkSet>>>,
        fetches: Arc<AtomicU32>,
        delay: Duration,
    }

    impl KeySource for Scripted {
        fn fetch(&self) -> Fetch<'_> {
            Box::pin(async move {
                self.fetches.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(self.delay).await;
                let mut answers = self.answers.lock().unwrap();
                let answer = if answers.len() > 1 {
                    answers.remove(0)
                } else {
                    answers[0].clone()
                };
                answer.ok_or(FetchError::NoUsableKey)
            })
        }
    }

    fn set(kids: &[&str]) -> JwkSet {
        let keys = kids
            .iter()
            .map(|kid| {
                serde_json::from_value::<Jwk>(serde_json::json!({
                    "kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
                    "n": "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw",
                    "e": "AQAB"
                }))
                .unwrap()
            })
            .collect();
        JwkSet { keys }
    }

    fn store(answers: Vec<Option<JwkSet>>, delay: Duration) -> (KeyStore, Arc<AtomicU32>) {
        store_with(
            answers,
            delay,
            Duration::from_secs(300),
            Duration::from_secs(10),
        )
    }

    fn store_with(
        answers: Vec<Option<JwkSet>>,
        delay: Duration,
        lifetime: Duration,
        min_refetch_interval: Duration,
    ) -> (KeyStore, Arc<AtomicU32>) {
        let fetches = Arc::new(AtomicU32::new(0));
        let source = Scripted {
            answers: std::sync::Mutex::new(answers),
            fetches: fetches.clone(),
            delay,
        };
        let store = KeyStore::new(
            Box::new(source),
            vec![Algorithm::RS256],
            lifetime,
            min_refetch_interval,
        );
        (store, fetches)
    }

    #[tokio::test]
    async fn known_keys_are_served_from_the_cache() {
        let (store, fetches) = store(vec![Some(set(&["a"]))], Duration::ZERO);
        for _ in 0..5 {
            store.key("a").await.unwrap();
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn many_unknown_ids_cause_one_fetch_per_interval() {
        let (store, fetches) = store(vec![Some(set(&["a"]))], Duration::from_millis(50));
        let callers: Vec<_> = (0..50)
            .map(|n| {
                let store = store.clone();
                tokio::spawn(async move { store.key(&format!("forged-{n}")).await })
            })
            .collect();
        for caller in callers {
            assert!(matches!(caller.await.unwrap(), Err(KeyError::Unknown)));
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
        assert!(matches!(
            store.key("forged-again").await,
            Err(KeyError::Unknown)
        ));
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn an_unreachable_provider_is_unavailable_with_a_retry_time() {
        let (store, fetches) = store(vec![None], Duration::ZERO);
        let Err(KeyError::Unavailable { retry_after }) = store.key("a").await else {
            panic!("expected the provider to be unavailable");
        };
        assert!(retry_after >= Duration::from_secs(1) && retry_after <= Duration::from_secs(10));
        // Within the interval, nobody asks again, and the answer stays "unavailable".
        assert!(matches!(
            store.key("a").await,
            Err(KeyError::Unavailable { .. })
        ));
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn old_keys_answer_at_once_and_keep_working_while_the_provider_is_down() {
        let (store, fetches) = store_with(
            vec![Some(set(&["a"])), None],
            Duration::from_millis(500),
            Duration::from_millis(10),
            Duration::from_millis(10),
        );
        store.key("a").await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;

        // The cache is old and the provider slow and failing: the key is served without
        // waiting for the renewal that runs behind it, and after that renewal failed.
        let answered = tokio::time::timeout(Duration::from_millis(250), store.key("a")).await;
        assert!(matches!(answered, Ok(Ok(_))), "the old key answers at once");
        tokio::time::sleep(Duration::from_millis(700)).await;
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
        store.key("a").await.unwrap();
    }

    #[tokio::test]
    async fn a_caller_that_gives_up_does_not_abandon_the_fetch() {
        let (store, fetches) = store(vec![Some(set(&["a"]))], Duration::from_millis(100));

        let gave_up = tokio::time::timeout(Duration::from_millis(10), store.key("a")).await;
        assert!(
            gave_up.is_err(),
            "the caller gave up before the fetch ended"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;

        // The fetch went on without it: the key is cached, and nobody fetches again.
        store.key("a").await.unwrap();
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_key_set_without_usable_keys_is_a_failed_fetch() {
        let symmetric: Jwk = serde_json::from_value(serde_json::json!({
            "kty": "oct", "kid": "shared", "k": "c2VjcmV0"
        }))
        .unwrap();
        let (store, _) = store(
            vec![Some(JwkSet {
                keys: vec![symmetric],
            })],
            Duration::ZERO,
        );
        assert!(matches!(
            store.key("shared").await,
            Err(KeyError::Unavailable { .. })
        ));
    }
}
