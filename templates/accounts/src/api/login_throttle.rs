//! Limits how fast one client may try passwords and register accounts.
//!
//! Each client (`core::client_address`: the peer, or past `TRUSTED_PROXIES` the forwarded
//! address; IPv6 by /64) gets a bucket of `LOGIN_ATTEMPTS_PER_MINUTE` password checks that
//! refills evenly over a minute, and one of `REGISTRATIONS_PER_HOUR` registrations that refills
//! over an hour (GCRA, from `governor`). Every password check counts (logins, and a current
//! password confirming a change), successful or not, so a client cannot learn which guesses
//! were right from the limit. A password check is also refused with 503 while password hashing
//! is saturated (`core::password_gate`), before it reads anything. The buckets live in this
//! process: with several replicas each one limits on its own, so the effective limit is the sum.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::HeaderMap;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::core::client_address::ClientAddresses;
use crate::core::config::LoginConfig;
use crate::core::password_gate::{BUSY_RETRY_AFTER, PasswordGate, PasswordsBusy};
use crate::error::Error;

/// Idle buckets are dropped after this many checks, so addresses seen once do not pile up.
const PRUNE_EVERY: u64 = 1024;

pub struct LoginThrottle {
    attempts: Buckets,
    registrations: Buckets,
    addresses: ClientAddresses,
    passwords: Arc<PasswordGate>,
}

impl LoginThrottle {
    pub fn new(
        config: &LoginConfig,
        addresses: ClientAddresses,
        passwords: Arc<PasswordGate>,
    ) -> Self {
        Self {
            attempts: Buckets::new(
                NonZeroU32::new(config.attempts_per_minute).map(Quota::per_minute),
                "password attempts throttled",
            ),
            registrations: Buckets::new(
                NonZeroU32::new(config.registrations_per_hour).map(Quota::per_hour),
                "registrations throttled",
            ),
            addresses,
            passwords,
        }
    }

    /// Lets one password check from this request's client through (a login, or the current
    /// password of a change), or refuses it: 429 and the time until the next attempt is
    /// allowed, or 503 while password hashing is saturated. Call it before the password is
    /// looked at.
    pub fn admit(&self, peer: SocketAddr, headers: &HeaderMap) -> Result<(), Error> {
        if self.passwords.is_saturated() {
            tracing::warn!("password check refused: hashing is saturated");
            return Err(PasswordsBusy {
                retry_after: BUSY_RETRY_AFTER,
            }
            .into());
        }
        self.attempts.check(self.addresses.bucket(peer, headers))
    }

    /// Lets one registration from this request's client through, or refuses it with 429.
    pub fn admit_registration(&self, peer: SocketAddr, headers: &HeaderMap) -> Result<(), Error> {
        self.registrations
            .check(self.addresses.bucket(peer, headers))
    }
}

/// One keyed limiter, or none when its limit is 0.
struct Buckets {
    limiter: Option<DefaultKeyedRateLimiter<IpAddr>>,
    clock: DefaultClock,
    checks: AtomicU64,
    refused: &'static str,
}

impl Buckets {
    fn new(quota: Option<Quota>, refused: &'static str) -> Self {
        Self {
            limiter: quota.map(RateLimiter::keyed),
            clock: DefaultClock::default(),
            checks: AtomicU64::new(0),
            refused,
        }
    }

    fn check(&self, client: IpAddr) -> Result<(), Error> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        if self.checks.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            limiter.retain_recent();
        }
        limiter.check_key(&client).map_err(|not_until| {
            tracing::warn!(%client, "{}", self.refused);
            Error::TooManyRequests {
                retry_after: not_until.wait_time_from(self.clock.now()),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use axum::http::HeaderValue;

    use super::*;
    use crate::core::config::PasswordHashingConfig;

    fn throttle(attempts_per_minute: u32, trusted: &[&str]) -> LoginThrottle {
        let trusted: Vec<_> = trusted.iter().map(|text| text.parse().unwrap()).collect();
        LoginThrottle::new(
            &LoginConfig {
                attempts_per_minute,
                registrations_per_hour: 2,
                allow_registration: true,
                password_hashing: PasswordHashingConfig::with_concurrency(1),
            },
            ClientAddresses::new(&trusted),
            Arc::new(PasswordGate::new(&PasswordHashingConfig::with_concurrency(
                1,
            ))),
        )
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
        let throttle = throttle(3, &[]);
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
        let throttle = throttle(1, &[]);
        throttle.admit(peer(1), &HeaderMap::new()).unwrap();
        throttle.admit(peer(2), &HeaderMap::new()).unwrap();
        retry_after(throttle.admit(peer(1), &HeaderMap::new()));
    }

    #[test]
    fn zero_turns_the_limit_off() {
        let throttle = throttle(0, &[]);
        for _ in 0..100 {
            throttle.admit(peer(1), &HeaderMap::new()).unwrap();
        }
    }

    #[test]
    fn forwarded_clients_count_apart_only_behind_a_trusted_proxy() {
        let untrusted = throttle(1, &[]);
        untrusted.admit(peer(1), &forwarded("203.0.113.1")).unwrap();
        retry_after(untrusted.admit(peer(1), &forwarded("203.0.113.2")));

        let trusted = throttle(1, &["192.0.2.0/24"]);
        trusted.admit(peer(1), &forwarded("203.0.113.1")).unwrap();
        trusted.admit(peer(1), &forwarded("203.0.113.2")).unwrap();
        retry_after(trusted.admit(peer(1), &forwarded("203.0.113.1")));
    }

    #[test]
    fn ipv6_clients_in_one_slash_64_share_a_bucket() {
        let throttle = throttle(1, &["192.0.2.0/24"]);
        throttle
            .admit(peer(1), &forwarded("2001:db8:1:2::1"))
            .unwrap();
        retry_after(throttle.admit(peer(1), &forwarded("2001:db8:1:2:ffff::9")));
        throttle
            .admit(peer(1), &forwarded("2001:db8:1:3::1"))
            .unwrap();
    }

    #[test]
    fn registrations_have_a_bucket_of_their_own() {
        let throttle = throttle(1, &[]);
        throttle.admit(peer(1), &HeaderMap::new()).unwrap();
        for _ in 0..2 {
            throttle
                .admit_registration(peer(1), &HeaderMap::new())
                .unwrap();
        }
        let wait = retry_after(throttle.admit_registration(peer(1), &HeaderMap::new()));
        // Two an hour refill one every 30 minutes.
        assert!(wait > Duration::from_secs(60) && wait <= Duration::from_secs(1800));
    }
}
