//! Whether the service records Prometheus metrics and serves them at `GET /metrics`.

use super::{ConfigError, Lookup, Vars};

pub const DEFAULT_METRICS_ENABLED: bool = true;

#[derive(Debug, Clone)]
pub struct MetricsConfig {
    /// Whether requests are counted and `GET /metrics` answers; `false` makes it a 404.
    pub enabled: bool,
}

impl MetricsConfig {
    pub(super) fn from_vars(vars: &Vars<impl Lookup>) -> Result<Self, ConfigError> {
        Ok(Self {
            enabled: vars.parse_or(
                "METRICS_ENABLED",
                DEFAULT_METRICS_ENABLED,
                "true or false",
                |_| true,
            )?,
        })
    }
}

impl Default for MetricsConfig {
    fn default() -> Self {
        Self {
            enabled: DEFAULT_METRICS_ENABLED,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{MINIMAL, config_from, error_from};

    #[test]
    fn metrics_are_on_unless_switched_off() {
        assert!(config_from(MINIMAL).unwrap().metrics.enabled);
        let mut pairs = MINIMAL.to_vec();
        pairs.push(("METRICS_ENABLED", "false"));
        assert!(!config_from(&pairs).unwrap().metrics.enabled);
    }

    #[test]
    fn an_invalid_switch_names_the_variable() {
        let mut pairs = MINIMAL.to_vec();
        pairs.push(("METRICS_ENABLED", "sometimes"));
        let message = error_from(&pairs);
        assert!(message.starts_with("METRICS_ENABLED"), "{message}");
        assert!(message.contains("true or false"), "{message}");
    }
}
