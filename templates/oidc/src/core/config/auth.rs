//! Which identity provider's tokens are trusted, and how they are checked.
//!
//! The issuer alone is enough: the signing keys are found through its
//! `/.well-known/openid-configuration` unless `OIDC_JWKS_URL` names them directly.

use std::time::Duration;

use super::{ConfigError, Environment, Lookup, Vars};

/// Clerk's backend SDK allows five seconds of clock skew; its session tokens live 60 seconds,
/// so a larger leeway would noticeably extend them.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(5);
/// Fetched keys are trusted this long before they are fetched again (Clerk's SDK: 5 minutes).
pub const DEFAULT_JWKS_CACHE_LIFETIME: Duration = Duration::from_secs(5 * 60);
/// However many unknown key ids arrive, the provider is asked at most once per interval.
pub const DEFAULT_JWKS_MIN_REFETCH_INTERVAL: Duration = Duration::from_secs(10);
/// How long one request to the provider may take before it counts as unreachable.
pub const DEFAULT_PROVIDER_TIMEOUT: Duration = Duration::from_secs(5);
pub const DEFAULT_ROLES_CLAIM: &str = "roles";
/// The role `GET /admin/users` requires, compared exactly (`org:admin` is another role).
pub const DEFAULT_ADMIN_ROLE: &str = "admin";
pub const DEFAULT_ALGORITHMS: &[Algorithm] = &[Algorithm::RS256];

pub use jsonwebtoken::Algorithm;

/// The algorithms a provider may sign with: public-key ones only, so a shared secret can never
/// be confused with a published key.
pub const ASYMMETRIC_ALGORITHMS: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// The exact `iss` every token must carry, e.g. `https://clerk.example.com` (a trailing
    /// slash matters: write it as the provider does).
    pub issuer: String,
    /// Where the keys are; `None`: the `jwks_uri` of the issuer's discovery document.
    pub jwks_url: Option<String>,
    /// When set, `aud` must contain one of these.
    pub audiences: Vec<String>,
    /// When set, `azp` must be present and one of these (the front-end origins).
    pub authorized_parties: Vec<String>,
    /// A claim, or a dotted path into nested claims, whose string or array gives the roles.
    pub roles_claim: String,
    /// The role administrators hold.
    pub admin_role: String,
    pub algorithms: Vec<Algorithm>,
    /// Whether tokens must carry `sid`: session tokens do, Clerk's JWT-template tokens do not.
    pub require_session_id: bool,
    pub leeway: Duration,
    pub jwks_cache_lifetime: Duration,
    pub jwks_min_refetch_interval: Duration,
    pub provider_timeout: Duration,
    /// Whether every URL fetched from the provider, discovered ones included, must be https.
    pub require_https: bool,
}

impl AuthConfig {
    /// A configuration with every default, for `issuer`.
    pub fn for_issuer(issuer: impl Into<String>) -> Self {
        let issuer = issuer.into();
        Self {
            require_session_id: is_clerk(&issuer),
            issuer,
            jwks_url: None,
            audiences: Vec::new(),
            authorized_parties: Vec::new(),
            roles_claim: DEFAULT_ROLES_CLAIM.to_owned(),
            admin_role: DEFAULT_ADMIN_ROLE.to_owned(),
            algorithms: DEFAULT_ALGORITHMS.to_vec(),
            leeway: DEFAULT_LEEWAY,
            jwks_cache_lifetime: DEFAULT_JWKS_CACHE_LIFETIME,
            jwks_min_refetch_interval: DEFAULT_JWKS_MIN_REFETCH_INTERVAL,
            provider_timeout: DEFAULT_PROVIDER_TIMEOUT,
            require_https: false,
        }
    }

    pub(super) fn from_vars(
        vars: &Vars<impl Lookup>,
        environment: Environment,
    ) -> Result<Self, ConfigError> {
        let issuer = vars.require(
            "OIDC_ISSUER",
            "set it to the identity provider's issuer URL, e.g. https://clerk.example.com",
        )?;
        check_url("OIDC_ISSUER", &issuer, environment)?;
        let defaults = Self::for_issuer(issuer);
        let jwks_url = vars.get("OIDC_JWKS_URL");
        if let Some(url) = &jwks_url {
            check_url("OIDC_JWKS_URL", url, environment)?;
        }
        let roles_claim = vars
            .get("OIDC_ROLES_CLAIM")
            .unwrap_or_else(|| DEFAULT_ROLES_CLAIM.to_owned());
        if roles_claim.split('.').any(str::is_empty) {
            return Err(ConfigError::Invalid {
                variable: "OIDC_ROLES_CLAIM",
                value: roles_claim,
                expected: "a claim name or a dotted path such as roles, org_role or metadata.role",
            });
        }
        let algorithms = match vars.get("OIDC_ALGORITHMS") {
            Some(list) => parse_algorithms(&list)?,
            None => DEFAULT_ALGORITHMS.to_vec(),
        };
        let seconds = |variable, default: Duration, expected, minimum: u64| {
            vars.parse_or(variable, default.as_secs(), expected, |secs: &u64| {
                *secs >= minimum
            })
            .map(Duration::from_secs)
        };
        let admin_role = vars
            .get("OIDC_ADMIN_ROLE")
            .unwrap_or_else(|| DEFAULT_ADMIN_ROLE.to_owned());
        Ok(Self {
            jwks_url,
            admin_role,
            require_https: environment == Environment::Production,
            audiences: list(vars, "OIDC_AUDIENCE"),
            authorized_parties: list(vars, "OIDC_AUTHORIZED_PARTIES"),
            roles_claim,
            algorithms,
            require_session_id: vars.parse_or(
                "OIDC_REQUIRE_SID",
                defaults.require_session_id,
                "true or false",
                |_| true,
            )?,
            leeway: seconds(
                "OIDC_LEEWAY_SECS",
                DEFAULT_LEEWAY,
                "a whole number of seconds",
                0,
            )?,
            jwks_cache_lifetime: seconds(
                "OIDC_JWKS_CACHE_SECS",
                DEFAULT_JWKS_CACHE_LIFETIME,
                "a whole number of seconds, at least 1",
                1,
            )?,
            jwks_min_refetch_interval: seconds(
                "OIDC_JWKS_MIN_REFETCH_SECS",
                DEFAULT_JWKS_MIN_REFETCH_INTERVAL,
                "a whole number of seconds, at least 1",
                1,
            )?,
            provider_timeout: seconds(
                "OIDC_PROVIDER_TIMEOUT_SECS",
                DEFAULT_PROVIDER_TIMEOUT,
                "a whole number of seconds, at least 1",
                1,
            )?,
            ..defaults
        })
    }
}

/// Clerk's issuers: `https://clerk.<your domain>` in production and
/// `https://<instance>.clerk.accounts.dev` in development.
fn is_clerk(issuer: &str) -> bool {
    let host = issuer
        .split_once("://")
        .map_or(issuer, |(_, rest)| rest)
        .split(['/', ':'])
        .next()
        .unwrap_or_default();
    host.starts_with("clerk.") || host.ends_with(".clerk.accounts.dev")
}

/// Comma-separated values, blanks dropped.
fn list(vars: &Vars<impl Lookup>, variable: &str) -> Vec<String> {
    vars.get(variable)
        .map(|value| {
            value
                .split(',')
                .map(str::trim)
                .filter(|entry| !entry.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// An absolute http(s) URL; in production only https, so keys cannot be swapped in transit.
fn check_url(
    variable: &'static str,
    url: &str,
    environment: Environment,
) -> Result<(), ConfigError> {
    let invalid = |expected| ConfigError::Invalid {
        variable,
        value: url.to_owned(),
        expected,
    };
    let rest = match url.split_once("://") {
        Some(("https", rest)) => rest,
        Some(("http", rest)) if environment != Environment::Production => rest,
        Some(("http", _)) => return Err(invalid("an https:// URL (APP_ENV=production)")),
        _ => return Err(invalid("an absolute URL such as https://clerk.example.com")),
    };
    if rest.is_empty() || rest.starts_with('/') || url.contains(char::is_whitespace) {
        return Err(invalid("an absolute URL such as https://clerk.example.com"));
    }
    Ok(())
}

fn parse_algorithms(list: &str) -> Result<Vec<Algorithm>, ConfigError> {
    let mut algorithms = Vec::new();
    for name in list
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
    {
        let algorithm = name
            .parse::<Algorithm>()
            .ok()
            .filter(|algorithm| ASYMMETRIC_ALGORITHMS.contains(algorithm))
            .ok_or_else(|| ConfigError::Invalid {
                variable: "OIDC_ALGORITHMS",
                value: name.to_owned(),
                expected: "comma-separated public-key algorithms: RS256, RS384, RS512, PS256, \
                           PS384, PS512, ES256, ES384 or EdDSA (never HS* or none)",
            })?;
        if !algorithms.contains(&algorithm) {
            algorithms.push(algorithm);
        }
    }
    if algorithms.is_empty() {
        return Err(ConfigError::Invalid {
            variable: "OIDC_ALGORITHMS",
            value: list.to_owned(),
            expected: "at least one algorithm, e.g. RS256",
        });
    }
    Ok(algorithms)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{MINIMAL, config_from, error_from, vars_of};
    use super::*;

    fn with(pairs: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
        let mut all = MINIMAL.to_vec();
        all.extend_from_slice(pairs);
        all
    }

    #[test]
    fn the_issuer_alone_is_enough() {
        let config = config_from(&with(&[("OIDC_ISSUER", "https://tenant.example.com/")]))
            .unwrap()
            .auth;
        // Kept exactly: some providers' `iss` ends with a slash, Clerk's does not.
        assert_eq!(config.issuer, "https://tenant.example.com/");
        assert_eq!(config.jwks_url, None);
        assert_eq!(config.algorithms, vec![Algorithm::RS256]);
        assert_eq!(config.leeway, DEFAULT_LEEWAY);
        assert_eq!(config.jwks_cache_lifetime, DEFAULT_JWKS_CACHE_LIFETIME);
        assert_eq!(
            config.jwks_min_refetch_interval,
            DEFAULT_JWKS_MIN_REFETCH_INTERVAL
        );
        assert!(!config.require_session_id);
        assert!(config.audiences.is_empty() && config.authorized_parties.is_empty());
    }

    #[test]
    fn the_issuer_is_required() {
        let message = AuthConfig::from_vars(&vars_of(MINIMAL), Environment::Development)
            .expect_err("no issuer")
            .to_string();
        assert!(message.starts_with("OIDC_ISSUER is not set"), "{message}");
    }

    #[test]
    fn clerk_issuers_require_a_session_id() {
        for issuer in [
            "https://clerk.example.com",
            "https://happy-cat-12.clerk.accounts.dev",
        ] {
            assert!(
                AuthConfig::for_issuer(issuer).require_session_id,
                "{issuer}"
            );
        }
        let config = config_from(&with(&[
            ("OIDC_ISSUER", "https://clerk.example.com"),
            ("OIDC_REQUIRE_SID", "false"),
        ]))
        .unwrap();
        assert!(!config.auth.require_session_id);
    }

    #[test]
    fn production_needs_https_for_the_issuer_and_the_keys() {
        let mut pairs = with(&[
            ("OIDC_ISSUER", "http://login.example.com"),
            ("APP_ENV", "production"),
        ]);
        pairs[0] = (
            "DATABASE_URL",
            "postgres://app@db.internal/app?sslmode=verify-full",
        );
        let message = error_from(&pairs);
        assert!(message.starts_with("OIDC_ISSUER"), "{message}");
        assert!(message.contains("https"), "{message}");
        pairs[1] = ("OIDC_ISSUER", "https://login.example.com");
        pairs.push(("OIDC_JWKS_URL", "http://login.example.com/keys"));
        let message = error_from(&pairs);
        assert!(message.starts_with("OIDC_JWKS_URL"), "{message}");
        pairs.pop();
        assert!(config_from(&pairs).unwrap().auth.require_https);
        let local = config_from(&with(&[("OIDC_ISSUER", "http://127.0.0.1:8000")])).unwrap();
        assert_eq!(local.auth.issuer, "http://127.0.0.1:8000");
    }

    #[test]
    fn symmetric_and_unknown_algorithms_are_refused() {
        for value in ["HS256", "none", "RS256,HS512", "XYZ", " , "] {
            let message = error_from(&with(&[
                ("OIDC_ISSUER", "https://login.example.com"),
                ("OIDC_ALGORITHMS", value),
            ]));
            assert!(message.starts_with("OIDC_ALGORITHMS"), "{value}: {message}");
        }
        let config = config_from(&with(&[
            ("OIDC_ISSUER", "https://login.example.com"),
            ("OIDC_ALGORITHMS", "RS256, ES256"),
        ]))
        .unwrap();
        assert_eq!(
            config.auth.algorithms,
            vec![Algorithm::RS256, Algorithm::ES256]
        );
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (variable, value) in [
            ("OIDC_ISSUER", "clerk.example.com"),
            ("OIDC_JWKS_URL", "ftp://keys"),
            ("OIDC_ROLES_CLAIM", "metadata..role"),
            ("OIDC_LEEWAY_SECS", "-1"),
            ("OIDC_JWKS_CACHE_SECS", "0"),
            ("OIDC_JWKS_MIN_REFETCH_SECS", "soon"),
            ("OIDC_REQUIRE_SID", "maybe"),
        ] {
            let mut pairs = with(&[(variable, value)]);
            if variable != "OIDC_ISSUER" {
                pairs.push(("OIDC_ISSUER", "https://login.example.com"));
            }
            let message = error_from(&pairs);
            assert!(message.starts_with(variable), "{variable}: {message}");
        }
    }

    #[test]
    fn lists_are_comma_separated() {
        let config = config_from(&with(&[
            ("OIDC_ISSUER", "https://login.example.com"),
            ("OIDC_AUDIENCE", "api, other-api"),
            (
                "OIDC_AUTHORIZED_PARTIES",
                "https://app.example.com,,https://admin.example.com",
            ),
        ]))
        .unwrap()
        .auth;
        assert_eq!(config.audiences, ["api", "other-api"]);
        assert_eq!(
            config.authorized_parties,
            ["https://app.example.com", "https://admin.example.com"]
        );
    }
}
