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
use tokio::sync::Mutex;

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

pub struct KeyStore {
    source: Box<dyn KeySource>,
    algorithms: Vec<Algorithm>,
    lifetime: Duration,
    min_refetch_interval: Duration,
    cache: RwLock<Cache>,
    fetches: Mutex<FetchLog>,
}

#[derive(Default)]
struct Cache {
    keys: HashMap<String, Arc<SigningKey>>,
    fetched_at: Option<Instant>,
}

#[derive(Default)]
struct FetchLog {
    last_attempt: Option<Instant>,
    last_failed: bool,
}

enum Refetch {
    Done,
    Failed,
    TooSoon { last_failed: bool },
}

impl KeyStore {
    pub fn new(
        source: Box<dyn KeySource>,
        algorithms: Vec<Algorithm>,
        lifetime: Duration,
        min_refetch_interval: Duration,
    ) -> Self {
        Self {
            source,
            algorithms,
            lifetime,
            min_refetch_interval,
            cache: RwLock::default(),
            fetches: Mutex::default(),
        }
    }

    /// The key with id `kid`, fetching the key set when the cache cannot answer.
    pub async fn key(&self, kid: &str) -> Result<Arc<SigningKey>, KeyError> {
        if let (Some(key), true) = self.cached(kid) {
            return Ok(key);
        }
        let outcome = self.refetch().await;
        // Whatever the fetch did, a key in the cache now is the answer: fresh, or kept from
        // before when the provider could not be reached.
        if let (Some(key), _) = self.cached(kid) {
            return Ok(key);
        }
        match outcome {
            // A fetch answered without this key: the provider no longer (or never) published it.
            Refetch::Done | Refetch::TooSoon { last_failed: false } => Err(KeyError::Unknown),
            Refetch::Failed | Refetch::TooSoon { last_failed: true } => {
                Err(KeyError::Unavailable {
                    retry_after: self.until_next_fetch().await,
                })
            }
        }
    }

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

    /// Fetches the key set unless one was fetched (or tried) too recently. Callers queue on
    /// the lock; whoever finds that a fetch started while it waited takes that fetch's result.
    async fn refetch(&self) -> Refetch {
        let waiting_since = Instant::now();
        let mut log = self.fetches.lock().await;
        if let Some(last) = log.last_attempt {
            if last >= waiting_since {
                return if log.last_failed {
                    Refetch::Failed
                } else {
                    Refetch::Done
                };
            }
            if last.elapsed() < self.min_refetch_interval {
                return Refetch::TooSoon {
                    last_failed: log.last_failed,
                };
            }
        }
        log.last_attempt = Some(Instant::now());
        let fetched = self.source.fetch().await.and_then(|set| self.usable(&set));
        metrics::counter!(description: FETCHES_HELP, FETCHES_METRIC).increment(1);
        match fetched {
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
                log.last_failed = false;
                Refetch::Done
            }
            Err(error) => {
                metrics::counter!(description: FETCH_FAILURES_HELP, FETCH_FAILURES_METRIC)
                    .increment(1);
                tracing::warn!(error = %Chain(&error), "cannot fetch the identity provider's keys");
                log.last_failed = true;
                Refetch::Failed
            }
        }
    }

    async fn until_next_fetch(&self) -> Duration {
        let log = self.fetches.lock().await;
        let waited = log.last_attempt.map_or(Duration::MAX, |at| at.elapsed());
        self.min_refetch_interval
            .saturating_sub(waited)
            .max(Duration::from_secs(1))
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
        let fetches = Arc::new(AtomicU32::new(0));
        let source = Scripted {
            answers: std::sync::Mutex::new(answers),
            fetches: fetches.clone(),
            delay,
        };
        let store = KeyStore::new(
            Box::new(source),
            vec![Algorithm::RS256],
            Duration::from_secs(300),
            Duration::from_secs(10),
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
        let store = Arc::new(store);
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
        let (store, _) = store(vec![None], Duration::ZERO);
        let Err(KeyError::Unavailable { retry_after }) = store.key("a").await else {
            panic!("expected the provider to be unavailable");
        };
        assert!(retry_after >= Duration::from_secs(1) && retry_after <= Duration::from_secs(10));
        // Within the interval, nobody asks again, and the answer stays "unavailable".
        assert!(matches!(
            store.key("a").await,
            Err(KeyError::Unavailable { .. })
        ));
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
