//! Per-client-address limits on the API: a request budget for everyone, and a much smaller one
//! for failed authentications. A client without failures left gets 429 instead of 401 for each
//! further rejected token until its bucket refills; a valid token still gets through, so one
//! attacker sharing an address (a NAT, a proxy nobody trusted) cannot lock the others out.
//! IPv6 clients are counted by their /64, the block one host usually holds.
//!
//! Buckets refill evenly over a minute (GCRA, from `governor`). They live in this process: with
//! several replicas each limits on its own, so the effective limit is the sum.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::HeaderMap;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::core::config::{IpNetwork, LimitsConfig};
use crate::error::Error;

/// Idle buckets are dropped after this many checks, so addresses seen once do not pile up.
const PRUNE_EVERY: u64 = 1024;

pub struct ClientLimits {
    requests: Option<DefaultKeyedRateLimiter<IpAddr>>,
    failures: Option<DefaultKeyedRateLimiter<IpAddr>>,
    trusted_proxies: Vec<IpNetwork>,
    clock: DefaultClock,
    checks: AtomicU64,
}

impl ClientLimits {
    pub fn new(config: &LimitsConfig) -> Self {
        let keyed = |per_minute| {
            NonZeroU32::new(per_minute)
                .map(|per_minute| RateLimiter::keyed(Quota::per_minute(per_minute)))
        };
        Self {
            requests: keyed(config.api_requests_per_minute),
            failures: keyed(config.auth_failures_per_minute),
            trusted_proxies: config.trusted_proxies.clone(),
            clock: DefaultClock::default(),
            checks: AtomicU64::new(0),
        }
    }

    /// Lets one API request from `client` through, or refuses it with 429 and the wait when
    /// its request budget is spent.
    pub fn admit(&self, client: IpAddr) -> Result<(), Error> {
        self.prune_now_and_then();
        let Some(requests) = &self.requests else {
            return Ok(());
        };
        requests.check_key(&bucket(client)).map_err(|not_until| {
            tracing::warn!(%client, "API requests throttled");
            Error::TooManyRequests {
                retry_after: not_until.wait_time_from(self.clock.now()),
            }
        })
    }

    /// Counts a failed authentication by `client`. Returns the 429 to answer instead of the
    /// 401 once the client has no failures left.
    pub fn failed(&self, client: IpAddr) -> Option<Error> {
        let failures = self.failures.as_ref()?;
        let not_until = failures.check_key(&bucket(client)).err()?;
        let retry_after = not_until.wait_time_from(self.clock.now());
        tracing::warn!(%client, ?retry_after, "failed authentications throttled");
        Some(Error::TooManyRequests { retry_after })
    }

    /// The TCP peer, unless the peer is a trusted proxy: then the right-most `X-Forwarded-For`
    /// address that is not itself a trusted proxy (what the nearest untrusted hop connected
    /// from; anything to its left the client could have written).
    pub fn client_address(&self, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
        let is_trusted = |address: IpAddr| {
            self.trusted_proxies
                .iter()
                .any(|network| network.contains(address))
        };
        let mut client = peer.ip().to_canonical();
        if !is_trusted(client) {
            return client;
        }
        let hops = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|list| list.split(','))
            .map(str::trim)
            .collect::<Vec<_>>();
        for hop in hops.into_iter().rev() {
            let Ok(address) = hop.parse::<IpAddr>() else {
                break;
            };
            client = address.to_canonical();
            if !is_trusted(client) {
                break;
            }
        }
        client
    }

    fn prune_now_and_then(&self) {
        if self.checks.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY != PRUNE_EVERY - 1 {
            return;
        }
        for limiter in self.requests.iter().chain(&self.failures) {
            limiter.retain_recent();
        }
    }
}

/// The key a client is counted under: its address, or for IPv6 its /64, since one host is
/// usually given a whole /64 and could otherwise rotate through it.
fn bucket(client: IpAddr) -> IpAddr {
    match client {
        IpAddr::V4(_) => client,
        IpAddr::V6(address) => IpAddr::V6(Ipv6Addr::from(u128::from(address) & (u128::MAX << 64))),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use axum::http::HeaderValue;

    use super::*;

    fn limits(requests: u32, failures: u32, trusted: &[&str]) -> ClientLimits {
        ClientLimits::new(&LimitsConfig {
            api_requests_per_minute: requests,
            auth_failures_per_minute: failures,
            trusted_proxies: trusted.iter().map(|entry| entry.parse().unwrap()).collect(),
        })
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn forwarded(list: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", HeaderValue::from_str(list).unwrap());
        headers
    }

    #[test]
    fn a_burst_of_the_budget_passes_then_the_client_waits() {
        let limits = limits(3, 10, &[]);
        for _ in 0..3 {
            limits.admit(ip("192.0.2.1")).unwrap();
        }
        let Err(Error::TooManyRequests { retry_after }) = limits.admit(ip("192.0.2.1")) else {
            panic!("expected 429");
        };
        assert!(retry_after > Duration::ZERO && retry_after <= Duration::from_secs(20));
        limits.admit(ip("192.0.2.2")).unwrap();
    }

    #[test]
    fn running_out_of_failures_turns_further_failures_into_429() {
        let limits = limits(100, 2, &[]);
        let client = ip("192.0.2.1");
        assert!(limits.failed(client).is_none());
        assert!(limits.failed(client).is_none());
        assert!(matches!(
            limits.failed(client),
            Some(Error::TooManyRequests { .. })
        ));
        // Requests still pass the request budget; another address has failures of its own.
        limits.admit(client).unwrap();
        assert!(limits.failed(ip("192.0.2.2")).is_none());
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_slash_64() {
        let limits = limits(2, 10, &[]);
        limits.admit(ip("2001:db8:1:2::1")).unwrap();
        limits.admit(ip("2001:db8:1:2:ffff::9")).unwrap();
        assert!(matches!(
            limits.admit(ip("2001:db8:1:2::abcd")),
            Err(Error::TooManyRequests { .. })
        ));
        limits.admit(ip("2001:db8:1:3::1")).unwrap();
    }

    #[test]
    fn zero_turns_a_limit_off() {
        let limits = limits(0, 0, &[]);
        for _ in 0..1000 {
            limits.admit(ip("192.0.2.1")).unwrap();
            assert!(limits.failed(ip("192.0.2.1")).is_none());
        }
    }

    #[test]
    fn forwarded_for_counts_only_from_a_trusted_proxy() {
        let headers = forwarded("198.51.100.7, 203.0.113.9");
        let untrusted = limits(1, 1, &[]);
        let peer = SocketAddr::from(([10, 0, 0, 5], 4000));
        assert_eq!(untrusted.client_address(peer, &headers), ip("10.0.0.5"));

        let trusted = limits(1, 1, &["10.0.0.0/8"]);
        assert_eq!(trusted.client_address(peer, &headers), ip("203.0.113.9"));
        // A chain of trusted proxies is walked until the first address outside them.
        let chain = forwarded("198.51.100.7, 10.1.1.1");
        assert_eq!(trusted.client_address(peer, &chain), ip("198.51.100.7"));
        // Without the header, the proxy itself is all we know.
        assert_eq!(
            trusted.client_address(peer, &HeaderMap::new()),
            ip("10.0.0.5")
        );
        // A client that is not a trusted proxy cannot pick its own address.
        let outsider = SocketAddr::from(([198, 51, 100, 1], 4000));
        assert_eq!(
            trusted.client_address(outsider, &headers),
            ip("198.51.100.1")
        );
    }
}
