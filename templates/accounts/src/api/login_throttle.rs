//! Limits how fast one client address may try passwords.
//!
//! Each address gets a bucket of `LOGIN_ATTEMPTS_PER_MINUTE` attempts that refills evenly over
//! a minute (GCRA, from `governor`). Every attempt counts, successful or not, so a client cannot
//! learn which guesses were right from the limit. The buckets live in this process: with several
//! replicas each one limits on its own, so the effective limit is the sum.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::HeaderMap;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::core::config::LoginConfig;
use crate::error::Error;

/// Idle buckets are dropped after this many checks, so addresses seen once do not pile up.
const PRUNE_EVERY: u64 = 1024;

pub struct LoginThrottle {
    limiter: Option<DefaultKeyedRateLimiter<IpAddr>>,
    clock: DefaultClock,
    trust_forwarded_for: bool,
    checks: AtomicU64,
}

impl LoginThrottle {
    pub fn new(config: &LoginConfig) -> Self {
        let limiter = NonZeroU32::new(config.attempts_per_minute)
            .map(|per_minute| RateLimiter::keyed(Quota::per_minute(per_minute)));
        Self {
            limiter,
            clock: DefaultClock::default(),
            trust_forwarded_for: config.trust_forwarded_for,
            checks: AtomicU64::new(0),
        }
    }

    /// Lets one login attempt from this request's client through, or refuses it with 429 and
    /// the time until the next attempt is allowed.
    pub fn admit(&self, peer: SocketAddr, headers: &HeaderMap) -> Result<(), Error> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        if self.checks.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            limiter.retain_recent();
        }
        let client = self.client_address(peer, headers);
        limiter.check_key(&client).map_err(|not_until| {
            tracing::warn!(%client, "login attempts throttled");
            Error::TooManyRequests {
                retry_after: not_until.wait_time_from(self.clock.now()),
            }
        })
    }

    /// The TCP peer, or with `TRUST_FORWARDED_FOR` the last `X-Forwarded-For` address: the
    /// one the proxy in front appended, which the client cannot forge.
    fn client_address(&self, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trust_forwarded_for {
            return peer.ip();
        }
        headers
            .get_all("x-forwarded-for")
            .iter()
            .next_back()
            .and_then(|value| value.to_str().ok())
            .and_then(|list| list.rsplit(',').next())
            .and_then(|last| last.trim().parse().ok())
            .unwrap_or(peer.ip())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use axum::http::HeaderValue;

    use super::*;

    fn throttle(attempts_per_minute: u32, trust_forwarded_for: bool) -> LoginThrottle {
        LoginThrottle::new(&LoginConfig {
            attempts_per_minute,
            trust_forwarded_for,
            allow_registration: true,
        })
    }

    fn peer(last_octet: u8) -> SocketAddr {
        SocketAddr::from(([192, 0, 2, last_octet], 40_000))
    }

    fn forwarded(list: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", HeaderValue::from_str(list).unwrap());
        headers
    }

    fn retry_after(result: Result<(), Error>) -> Duration {
        match result {
            Err(Error::TooManyRequests { retry_after }) => retry_after,
            other => panic!("expected 429, got {other:?}"),
        }
    }

    #[test]
    fn a_burst_of_the_limit_is_allowed_then_the_client_waits_for_a_refill() {
        let throttle = throttle(3, false);
        for _ in 0..3 {
            throttle.admit(peer(1), &HeaderMap::new()).unwrap();
        }
        let wait = retry_after(throttle.admit(peer(1), &HeaderMap::new()));
        // Three a minute refill one every 20 seconds.
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
    }

    #[test]
    fn each_address_has_its_own_bucket() {
        let throttle = throttle(1, false);
        throttle.admit(peer(1), &HeaderMap::new()).unwrap();
        throttle.admit(peer(2), &HeaderMap::new()).unwrap();
        retry_after(throttle.admit(peer(1), &HeaderMap::new()));
    }

    #[test]
    fn zero_turns_the_limit_off() {
        let throttle = throttle(0, false);
        for _ in 0..100 {
            throttle.admit(peer(1), &HeaderMap::new()).unwrap();
        }
    }

    #[test]
    fn forwarded_addresses_are_ignored_unless_trusted() {
        let headers = forwarded("203.0.113.7");
        assert_eq!(
            throttle(1, false).client_address(peer(1), &headers),
            peer(1).ip()
        );
        assert_eq!(
            throttle(1, true).client_address(peer(1), &headers),
            "203.0.113.7".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn the_address_the_proxy_appended_wins_over_what_the_client_sent() {
        let headers = forwarded("10.9.9.9, 2001:db8::1");
        assert_eq!(
            throttle(1, true).client_address(peer(1), &headers),
            "2001:db8::1".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn a_malformed_forwarded_header_falls_back_to_the_peer() {
        for list in ["", "not-an-address", "203.0.113.7, "] {
            assert_eq!(
                throttle(1, true).client_address(peer(1), &forwarded(list)),
                peer(1).ip(),
                "{list:?}"
            );
        }
    }
}
