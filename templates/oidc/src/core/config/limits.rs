//! How many requests one client address may make. Who the client is (`TRUSTED_PROXIES`) is
//! the base layer's `core::client_address`.

use super::{ConfigError, Lookup, Vars};

/// Requests one client address may make to the API per minute (a burst of this many, refilled
/// evenly over the minute).
pub const DEFAULT_API_REQUESTS_PER_MINUTE: u32 = 600;
/// Failed authentications one client address may cause per minute before it is refused with 429
/// until its bucket refills.
pub const DEFAULT_AUTH_FAILURES_PER_MINUTE: u32 = 10;

#[derive(Debug, Clone)]
pub struct LimitsConfig {
    /// 0 turns the limit off.
    pub api_requests_per_minute: u32,
    /// 0 turns the limit off.
    pub auth_failures_per_minute: u32,
}

impl LimitsConfig {
    pub(super) fn from_vars(vars: &Vars<impl Lookup>) -> Result<Self, ConfigError> {
        Ok(Self {
            api_requests_per_minute: vars.parse_or(
                "API_REQUESTS_PER_MINUTE",
                DEFAULT_API_REQUESTS_PER_MINUTE,
                "a whole number of requests per client address, or 0 for no limit",
                |_| true,
            )?,
            auth_failures_per_minute: vars.parse_or(
                "AUTH_FAILURES_PER_MINUTE",
                DEFAULT_AUTH_FAILURES_PER_MINUTE,
                "a whole number of failed authentications per client address, or 0 for no limit",
                |_| true,
            )?,
        })
    }
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            api_requests_per_minute: DEFAULT_API_REQUESTS_PER_MINUTE,
            auth_failures_per_minute: DEFAULT_AUTH_FAILURES_PER_MINUTE,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{MINIMAL, config_from, error_from};
    use super::*;

    #[test]
    fn limits_read_from_the_environment() {
        let defaults = config_from(MINIMAL).unwrap().limits;
        assert_eq!(
            defaults.api_requests_per_minute,
            DEFAULT_API_REQUESTS_PER_MINUTE
        );
        assert_eq!(
            defaults.auth_failures_per_minute,
            DEFAULT_AUTH_FAILURES_PER_MINUTE
        );

        let mut pairs = MINIMAL.to_vec();
        pairs.extend([
            ("API_REQUESTS_PER_MINUTE", "60"),
            ("AUTH_FAILURES_PER_MINUTE", "0"),
        ]);
        let limits = config_from(&pairs).unwrap().limits;
        assert_eq!(limits.api_requests_per_minute, 60);
        assert_eq!(limits.auth_failures_per_minute, 0);

        let mut pairs = MINIMAL.to_vec();
        pairs.push(("API_REQUESTS_PER_MINUTE", "lots"));
        let message = error_from(&pairs);
        assert!(message.starts_with("API_REQUESTS_PER_MINUTE"), "{message}");
    }
}
