//! Fetching the key set from the identity provider over HTTPS: from `OIDC_JWKS_URL`, or from the
//! `jwks_uri` of the issuer's OpenID Connect discovery document (Clerk, Auth0, Keycloak, Okta,
//! Entra ID and Google all publish one).

use std::sync::{Arc, Mutex};

use jsonwebtoken::jwk::JwkSet;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::keys::{Fetch, FetchError, KeySource};
use crate::core::config::AuthConfig;

/// Neither a discovery document nor a key set is anywhere near this large.
pub const MAX_RESPONSE_BYTES: usize = 256 * 1024;

pub struct ProviderKeys {
    client: reqwest::Client,
    issuer: String,
    /// Configured, or found in the discovery document (then kept).
    jwks_url: Mutex<Option<String>>,
}

#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    jwks_uri: String,
}

impl ProviderKeys {
    pub fn new(config: &AuthConfig) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .use_preconfigured_tls(tls_config()?)
            .timeout(config.provider_timeout)
            .connect_timeout(config.provider_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .https_only(config.require_https)
            .build()?;
        Ok(Self {
            client,
            issuer: config.issuer.clone(),
            jwks_url: Mutex::new(config.jwks_url.clone()),
        })
    }

    async fn fetch_keys(&self) -> Result<JwkSet, FetchError> {
        let known = self
            .jwks_url
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .clone();
        let url = match known {
            Some(url) => url,
            None => {
                let url = self.discover().await?;
                *self
                    .jwks_url
                    .lock()
                    .unwrap_or_else(|poison| poison.into_inner()) = Some(url.clone());
                url
            }
        };
        self.get_json(&url).await
    }

    async fn discover(&self) -> Result<String, FetchError> {
        let url = format!(
            "{}/.well-known/openid-configuration",
            self.issuer.trim_end_matches('/')
        );
        let discovery: Discovery = self.get_json(&url).await?;
        // OpenID Connect Discovery: the document must name exactly the issuer it was asked for.
        if discovery.issuer != self.issuer {
            return Err(FetchError::IssuerMismatch {
                expected: self.issuer.clone(),
                found: discovery.issuer,
            });
        }
        Ok(discovery.jwks_uri)
    }

    /// GETs `url` and parses its JSON, reading at most [`MAX_RESPONSE_BYTES`].
    async fn get_json<T: DeserializeOwned>(&self, url: &str) -> Result<T, FetchError> {
        let request_failed = |source| FetchError::Request {
            url: url.to_owned(),
            source,
        };
        let mut response = self
            .client
            .get(url)
            .header("accept", "application/json")
            .send()
            .await
            .map_err(request_failed)?;
        if !response.status().is_success() {
            return Err(FetchError::Status {
                url: url.to_owned(),
                status: response.status().as_u16(),
            });
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(request_failed)? {
            if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(FetchError::TooLarge {
                    url: url.to_owned(),
                    limit: MAX_RESPONSE_BYTES,
                });
            }
            body.extend_from_slice(&chunk);
        }
        serde_json::from_slice(&body).map_err(|source| FetchError::Malformed {
            url: url.to_owned(),
            source,
        })
    }
}

impl KeySource for ProviderKeys {
    fn fetch(&self) -> Fetch<'_> {
        Box::pin(self.fetch_keys())
    }
}

/// TLS with the Mozilla root certificates compiled in, as the database connection has, so the
/// runtime image needs no CA bundle.
fn tls_config() -> Result<rustls::ClientConfig, rustls::Error> {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth())
}
