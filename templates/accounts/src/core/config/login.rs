//! How many password attempts one client address may make, and who that client is.

use super::{ConfigError, Vars};

/// Login attempts one client address may make at once; they come back one by one over a minute.
pub const DEFAULT_LOGIN_ATTEMPTS_PER_MINUTE: u32 = 10;
/// The TCP peer is the client unless a proxy in front is trusted to name it.
pub const DEFAULT_TRUST_FORWARDED_FOR: bool = false;

#[derive(Debug, Clone)]
pub struct LoginConfig {
    /// How many logins one client address may attempt per minute; 0 turns the limit off.
    pub attempts_per_minute: u32,
    /// Whether the client address is the last one in `X-Forwarded-For`, as appended by a
    /// proxy in front, instead of the TCP peer. Only safe when every request passes that proxy.
    pub trust_forwarded_for: bool,
}

impl LoginConfig {
    pub(super) fn from_vars(
        vars: &Vars<impl Fn(&str) -> Option<String>>,
    ) -> Result<Self, ConfigError> {
        Ok(Self {
            attempts_per_minute: vars.parse_or(
                "LOGIN_ATTEMPTS_PER_MINUTE",
                DEFAULT_LOGIN_ATTEMPTS_PER_MINUTE,
                "a whole number of attempts per client address, or 0 for no limit",
                |_| true,
            )?,
            trust_forwarded_for: vars.parse_or(
                "TRUST_FORWARDED_FOR",
                DEFAULT_TRUST_FORWARDED_FOR,
                "true or false",
                |_| true,
            )?,
        })
    }
}

impl Default for LoginConfig {
    fn default() -> Self {
        Self {
            attempts_per_minute: DEFAULT_LOGIN_ATTEMPTS_PER_MINUTE,
            trust_forwarded_for: DEFAULT_TRUST_FORWARDED_FOR,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{MINIMAL, config_from, error_from};
    use super::*;

    #[test]
    fn the_limit_and_the_proxy_trust_default_to_safe_values() {
        let config = config_from(MINIMAL).unwrap();
        assert_eq!(
            config.login.attempts_per_minute,
            DEFAULT_LOGIN_ATTEMPTS_PER_MINUTE
        );
        assert!(!config.login.trust_forwarded_for);
    }

    #[test]
    fn the_login_limit_and_the_proxy_trust_are_read() {
        let mut pairs = MINIMAL.to_vec();
        pairs.push(("LOGIN_ATTEMPTS_PER_MINUTE", "0"));
        pairs.push(("TRUST_FORWARDED_FOR", "true"));
        let config = config_from(&pairs).unwrap();
        assert_eq!(config.login.attempts_per_minute, 0);
        assert!(config.login.trust_forwarded_for);
    }

    #[test]
    fn invalid_values_name_the_variable_and_the_expected_form() {
        for (variable, value, expected) in [
            ("LOGIN_ATTEMPTS_PER_MINUTE", "lots", "0 for no limit"),
            ("TRUST_FORWARDED_FOR", "maybe", "true or false"),
        ] {
            let mut pairs = MINIMAL.to_vec();
            pairs.push((variable, value));
            let message = error_from(&pairs);
            assert!(message.starts_with(variable), "{message}");
            assert!(message.contains(expected), "{message}");
        }
    }
}
