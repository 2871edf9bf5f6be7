//! How many requests one client address may make, and which proxies may name the client.

use std::net::IpAddr;
use std::str::FromStr;

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
    /// Peers whose `X-Forwarded-For` names the client. Empty: the TCP peer is the client.
    pub trusted_proxies: Vec<IpNetwork>,
}

impl LimitsConfig {
    pub(super) fn from_vars(vars: &Vars<impl Lookup>) -> Result<Self, ConfigError> {
        let trusted_proxies = match vars.get("TRUSTED_PROXIES") {
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|entry| !entry.is_empty())
                .map(|entry| {
                    entry.parse().map_err(|()| ConfigError::Invalid {
                        variable: "TRUSTED_PROXIES",
                        value: entry.to_owned(),
                        expected: "comma-separated addresses or networks such as 10.0.0.0/8, \
                                   fd00::/8 or 192.0.2.10",
                    })
                })
                .collect::<Result<_, _>>()?,
            None => Vec::new(),
        };
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
            trusted_proxies,
        })
    }
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            api_requests_per_minute: DEFAULT_API_REQUESTS_PER_MINUTE,
            auth_failures_per_minute: DEFAULT_AUTH_FAILURES_PER_MINUTE,
            trusted_proxies: Vec::new(),
        }
    }
}

/// An address with a prefix length, `10.0.0.0/8`; a bare address is a network of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNetwork {
    address: IpAddr,
    prefix: u8,
}

impl IpNetwork {
    pub fn contains(&self, candidate: IpAddr) -> bool {
        match (self.address, candidate.to_canonical()) {
            (IpAddr::V4(network), IpAddr::V4(candidate)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(network) & mask == u32::from(candidate) & mask
            }
            (IpAddr::V6(network), IpAddr::V6(candidate)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(network) & mask == u128::from(candidate) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for IpNetwork {
    type Err = ();

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let (address, prefix) = match value.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (value, None),
        };
        let address: IpAddr = address.parse().map_err(|_| ())?;
        let address = address.to_canonical();
        let max = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(prefix) => prefix.parse::<u8>().map_err(|_| ())?,
            None => max,
        };
        if prefix > max {
            return Err(());
        }
        Ok(Self { address, prefix })
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{MINIMAL, config_from, error_from};
    use super::*;

    fn network(text: &str) -> IpNetwork {
        text.parse().unwrap()
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn networks_contain_their_addresses_only() {
        assert!(network("10.0.0.0/8").contains(ip("10.200.3.4")));
        assert!(!network("10.0.0.0/8").contains(ip("11.0.0.1")));
        assert!(network("192.0.2.10").contains(ip("192.0.2.10")));
        assert!(!network("192.0.2.10").contains(ip("192.0.2.11")));
        assert!(network("0.0.0.0/0").contains(ip("203.0.113.9")));
        assert!(network("fd00::/8").contains(ip("fd12::1")));
        assert!(!network("fd00::/8").contains(ip("10.0.0.1")));
        // An IPv4 peer seen through an IPv6 socket is still that IPv4 address.
        assert!(network("10.0.0.0/8").contains(ip("::ffff:10.1.2.3")));
    }

    #[test]
    fn malformed_networks_are_refused() {
        for bad in [
            "10.0.0.0/33",
            "fd00::/129",
            "10.0.0/8",
            "proxy",
            "10.0.0.0/x",
        ] {
            assert!(bad.parse::<IpNetwork>().is_err(), "{bad}");
        }
    }

    #[test]
    fn limits_read_from_the_environment() {
        let mut pairs = MINIMAL.to_vec();
        pairs.extend([
            ("API_REQUESTS_PER_MINUTE", "60"),
            ("AUTH_FAILURES_PER_MINUTE", "0"),
            ("TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.1"),
        ]);
        let limits = config_from(&pairs).unwrap().limits;
        assert_eq!(limits.api_requests_per_minute, 60);
        assert_eq!(limits.auth_failures_per_minute, 0);
        assert_eq!(
            limits.trusted_proxies,
            [network("10.0.0.0/8"), network("192.0.2.1")]
        );

        let mut pairs = MINIMAL.to_vec();
        pairs.push(("TRUSTED_PROXIES", "10.0.0.0/8,the-load-balancer"));
        let message = error_from(&pairs);
        assert!(message.starts_with("TRUSTED_PROXIES"), "{message}");
        assert!(message.contains("the-load-balancer"), "{message}");
    }
}
