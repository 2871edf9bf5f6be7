//! Per-client-address limits on the API: a request budget for everyone, and a much smaller one
//! for failed authentications. A client without failures left gets 429 instead of 401 for each
//! further rejected token until its bucket refills; a valid token still gets through, so one
//! attacker sharing an address (a NAT, a proxy nobody trusted) cannot lock the others out.
//! Who the client is, and the /64 IPv6 clients are counted by, is `core::client_address`.
//!
//! Buckets refill evenly over a minute (GCRA, from `governor`). They live in this process: with
//! several replicas each limits on its own, so the effective limit is the sum.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::HeaderMap;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::core::client_address::{ClientAddresses, bucket};
use crate::core::config::LimitsConfig;
use crate::error::Error;

/// Idle buckets are dropped after this many checks, so addresses seen once do not pile up.
const PRUNE_EVERY: u64 = 1024;

pub struct ClientLimits {
    requests: Option<DefaultKeyedRateLimiter<IpAddr>>,
    failures: Option<DefaultKeyedRateLimiter<IpAddr>>,
    addresses: ClientAddresses,
    clock: DefaultClock,
    checks: AtomicU64,
}

impl ClientLimits {
    pub fn new(config: &LimitsConfig, addresses: ClientAddresses) -> Self {
        let keyed = |per_minute| {
            NonZeroU32::new(per_minute)
                .map(|per_minute| RateLimiter::keyed(Quota::per_minute(per_minute)))
        };
        Self {
            requests: keyed(config.api_requests_per_minute),
            failures: keyed(config.auth_failures_per_minute),
            addresses,
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

    /// The client of a request from `peer` (see `core::client_address`).
    pub fn client_address(&self, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
        self.addresses.resolve(peer, headers)
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn limits(requests: u32, failures: u32) -> ClientLimits {
        ClientLimits::new(
            &LimitsConfig {
                api_requests_per_minute: requests,
                auth_failures_per_minute: failures,
            },
            ClientAddresses::default(),
        )
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn a_burst_of_the_budget_passes_then_the_client_waits() {
        let limits = limits(3, 10);
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
        let limits = limits(100, 2);
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
        let limits = limits(2, 10);
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
        let limits = limits(0, 0);
        for _ in 0..1000 {
            limits.admit(ip("192.0.2.1")).unwrap();
            assert!(limits.failed(ip("192.0.2.1")).is_none());
        }
    }
}
