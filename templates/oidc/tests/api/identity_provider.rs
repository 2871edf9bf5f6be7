//! A stand-in identity provider for the tests: a local HTTP server publishing a discovery
//! document and a key set, whose RSA keys are generated when it starts (no private key is
//! committed), and which signs the tests' tokens.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::rsa::{KeyPair, KeySize};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::jwk::{Jwk, JwkSet, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};
use uuid::Uuid;

/// An RSA key pair the provider signs with.
#[derive(Clone)]
pub struct SigningKey {
    pub kid: String,
    encoding: EncodingKey,
    jwk: Jwk,
    /// The public key as PEM text: what an algorithm-confusion attack uses as an HMAC secret.
    pub public_pem: String,
}

impl SigningKey {
    pub fn generate() -> Self {
        let pair = KeyPair::generate(KeySize::Rsa2048).expect("failed to generate an RSA key");
        let private: Pkcs8V1Der = pair.as_der().expect("failed to encode the private key");
        let encoding = EncodingKey::from_rsa_pem(pem("PRIVATE KEY", private.as_ref()).as_bytes())
            .expect("the generated key is a valid RSA key");
        let public: PublicKeyX509Der = aws_lc_rs::signature::KeyPair::public_key(&pair)
            .as_der()
            .expect("failed to encode the public key");
        let kid = format!("test-key-{}", Uuid::new_v4().simple());
        let mut jwk =
            Jwk::from_encoding_key(&encoding, Algorithm::RS256).expect("an RSA key has a JWK form");
        jwk.common.key_id = Some(kid.clone());
        jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        jwk.common.key_algorithm = Some(KeyAlgorithm::RS256);
        Self {
            kid,
            encoding,
            jwk,
            public_pem: pem("PUBLIC KEY", public.as_ref()),
        }
    }

    /// `claims` signed RS256 with this key, its id in the header.
    pub fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        encode(&header, claims, &self.encoding).expect("failed to sign a test token")
    }
}

fn pem(label: &str, der: &[u8]) -> String {
    let base64 = STANDARD.encode(der);
    let lines: Vec<&str> = base64
        .as_bytes()
        .chunks(64)
        .map(|line| std::str::from_utf8(line).expect("base64 is ASCII"))
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

/// How the provider answers requests for its documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// The discovery document and the key set.
    Normally,
    /// 503, as a provider in trouble does.
    Unavailable,
    /// 200 with a body that is not a key set.
    Garbage,
    /// Nothing at all until the request gives up.
    Never,
}

struct Published {
    keys: Mutex<Vec<SigningKey>>,
    answer: Mutex<Answer>,
    /// How long each answer takes.
    delay: Mutex<Duration>,
    key_fetches: AtomicU32,
    issuer: String,
}

/// The provider: its issuer URL, its keys, and switches for the tests.
#[derive(Clone)]
pub struct IdentityProvider {
    published: Arc<Published>,
}

impl IdentityProvider {
    /// Starts a provider with one key, serving on the current test's runtime.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("failed to bind the identity provider");
        let address: SocketAddr = listener
            .local_addr()
            .expect("a bound listener has an address");
        let provider = Self::at(address);
        let router = axum::Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/.well-known/jwks.json", get(key_set))
            .with_state(provider.published.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        provider
    }

    /// One provider for the whole test binary, on a runtime of its own, so that it outlives
    /// each test's runtime. `spawn_app` configures the service to trust it.
    pub fn shared() -> &'static Self {
        static SHARED: OnceLock<IdentityProvider> = OnceLock::new();
        SHARED.get_or_init(|| {
            let (sender, receiver) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Runtime::new().expect("failed to start a runtime");
                runtime.block_on(async move {
                    sender
                        .send(Self::start().await)
                        .expect("the test waits for the provider");
                    std::future::pending::<()>().await;
                });
            });
            receiver
                .recv()
                .expect("the identity provider failed to start")
        })
    }

    fn at(address: SocketAddr) -> Self {
        Self {
            published: Arc::new(Published {
                keys: Mutex::new(vec![SigningKey::generate()]),
                answer: Mutex::new(Answer::Normally),
                delay: Mutex::new(Duration::ZERO),
                key_fetches: AtomicU32::new(0),
                issuer: format!("http://{address}"),
            }),
        }
    }

    pub fn issuer(&self) -> &str {
        &self.published.issuer
    }

    /// The key tokens are signed with now.
    pub fn current_key(&self) -> SigningKey {
        self.published.keys.lock().unwrap()[0].clone()
    }

    /// Replaces every published key with a new one, as a provider rotating its keys does.
    pub fn rotate(&self) -> SigningKey {
        let key = SigningKey::generate();
        *self.published.keys.lock().unwrap() = vec![key.clone()];
        key
    }

    /// Publishes new key material under the current key's id: a provider that regenerates a
    /// key without renaming it. Tokens signed with the old material must stop passing.
    pub fn replace_key_keeping_its_id(&self) -> SigningKey {
        let mut keys = self.published.keys.lock().unwrap();
        let mut key = SigningKey::generate();
        key.kid = keys[0].kid.clone();
        key.jwk.common.key_id = Some(key.kid.clone());
        keys[0] = key.clone();
        key
    }

    /// Changes how the provider answers from now on.
    pub fn answer(&self, answer: Answer) {
        *self.published.answer.lock().unwrap() = answer;
    }

    /// Makes every answer take `delay`.
    pub fn slow_down(&self, delay: Duration) {
        *self.published.delay.lock().unwrap() = delay;
    }

    /// How often the key set has been requested.
    pub fn key_fetches(&self) -> u32 {
        self.published.key_fetches.load(Ordering::SeqCst)
    }

    /// Claims of a valid session token for `subject`: one minute left, Clerk-style `sid`.
    pub fn claims(&self, subject: &str) -> Value {
        let now = unix_now();
        json!({
            "iss": self.issuer(),
            "sub": subject,
            "sid": format!("sess_{}", Uuid::new_v4().simple()),
            "iat": now,
            "nbf": now - 1,
            "exp": now + 60,
        })
    }

    /// A valid token for `subject`, with `extra` claims added or replaced.
    pub fn token(&self, subject: &str, extra: Value) -> String {
        let mut claims = self.claims(subject);
        if let (Some(claims), Value::Object(extra)) = (claims.as_object_mut(), extra) {
            claims.extend(extra);
        }
        self.current_key().sign(&claims)
    }
}

pub fn unix_now() -> i64 {
    let elapsed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the clock is after 1970");
    i64::try_from(elapsed.as_secs()).expect("seconds since 1970 fit in i64")
}

/// `header.claims.` with no signature: `alg: none`, or any header a test writes.
pub fn unsigned(header: &Value, claims: &Value) -> String {
    let part = |value: &Value| URL_SAFE_NO_PAD.encode(value.to_string());
    format!("{}.{}.", part(header), part(claims))
}

/// What the provider's current mode answers instead of `document`, after its delay.
async fn trouble(published: &Published) -> Option<Response> {
    let delay = *published.delay.lock().unwrap();
    tokio::time::sleep(delay).await;
    let answer = *published.answer.lock().unwrap();
    match answer {
        Answer::Normally => None,
        Answer::Unavailable => Some(StatusCode::SERVICE_UNAVAILABLE.into_response()),
        Answer::Garbage => Some("<html>maintenance</html>".into_response()),
        Answer::Never => {
            std::future::pending::<()>().await;
            None
        }
    }
}

async fn discovery(State(published): State<Arc<Published>>) -> Response {
    if let Some(response) = trouble(&published).await {
        return response;
    }
    Json(json!({
        "issuer": published.issuer,
        "jwks_uri": format!("{}/.well-known/jwks.json", published.issuer),
    }))
    .into_response()
}

async fn key_set(State(published): State<Arc<Published>>) -> Response {
    published.key_fetches.fetch_add(1, Ordering::SeqCst);
    if let Some(response) = trouble(&published).await {
        return response;
    }
    let keys = published.keys.lock().unwrap();
    Json(JwkSet {
        keys: keys.iter().map(|key| key.jwk.clone()).collect(),
    })
    .into_response()
}
