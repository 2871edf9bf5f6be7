//! The time that token expiry is judged by.
//!
//! Expiry is computed in the application and bound into queries, never taken from the
//! database's `now()`, so that tests can move time forward instead of sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use time::OffsetDateTime;

/// The system clock, plus an offset that only tests ever change.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    skipped_seconds: Arc<AtomicI64>,
}

impl Clock {
    pub fn now(&self) -> OffsetDateTime {
        let skipped = time::Duration::seconds(self.skipped_seconds.load(Ordering::Relaxed));
        OffsetDateTime::now_utc() + skipped
    }

    /// Moves this clock (and every clone of it) forward.
    pub fn advance(&self, by: Duration) {
        let seconds = i64::try_from(by.as_secs()).unwrap_or(i64::MAX);
        self.skipped_seconds.fetch_add(seconds, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_moves_every_clone() {
        let clock = Clock::default();
        let copy = clock.clone();
        let before = copy.now();
        clock.advance(Duration::from_secs(3600));
        let gained = copy.now() - before;
        assert!(gained >= time::Duration::hours(1), "{gained}");
        assert!(gained < time::Duration::hours(1) + time::Duration::minutes(1));
    }
}
