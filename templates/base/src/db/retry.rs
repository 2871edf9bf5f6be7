//! The one way to run a write transaction: SERIALIZABLE isolation, retried when the database
//! reports a serialization failure (SQLSTATE 40001).
//!
//! CockroachDB runs every transaction SERIALIZABLE and asks the client to retry whenever two of
//! them conflict; PostgreSQL does the same at this isolation level. Either way the whole
//! transaction is run again from the start, after a short, growing, randomised pause, so
//! `work` must do nothing outside the database that cannot be repeated.
//!
//! Retries and abandoned transactions are counted through the `metrics` facade
//! ([`RETRIES_METRIC`], [`RETRIES_EXHAUSTED_METRIC`]); until a recorder is installed, counting
//! does nothing.

use std::future::Future;
use std::hash::{BuildHasher, RandomState};
use std::pin::Pin;
use std::time::Duration;

use sqlx::{PgPool, Postgres, Transaction};

/// The transaction handed to each attempt; the attempt gives it back to be committed.
pub type Tx = Transaction<'static, Postgres>;

/// What an attempt returns: its result and the transaction to commit.
pub type Attempt<'a, T> = Pin<Box<dyn Future<Output = Result<(T, Tx), sqlx::Error>> + Send + 'a>>;

/// SQLSTATE `serialization_failure`.
pub const SERIALIZATION_FAILURE: &str = "40001";

/// Counter: transactions started again after a serialization failure.
pub const RETRIES_METRIC: &str = "db_write_retries_total";
const RETRIES_HELP: &str = "Write transactions started again after a serialization failure";

/// Counter: transactions abandoned because they still conflicted after their last attempt.
pub const RETRIES_EXHAUSTED_METRIC: &str = "db_write_retries_exhausted_total";
const RETRIES_EXHAUSTED_HELP: &str = "Write transactions abandoned after their last attempt";

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(
        "the transaction was still conflicting with concurrent ones after {attempts} attempt(s)"
    )]
    GaveUp {
        attempts: u32,
        #[source]
        last: sqlx::Error,
    },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// How often, and how patiently, a conflicting transaction is tried again.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// The pause before the first retry; each further retry doubles it.
    pub base_delay: Duration,
    /// No pause is longer than this.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 6,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_secs(1),
        }
    }
}

/// Runs `work` as a write transaction with the default [`RetryPolicy`].
pub async fn write<'a, T>(
    pool: &PgPool,
    work: impl FnMut(Tx) -> Attempt<'a, T>,
) -> Result<T, WriteError> {
    RetryPolicy::default().write(pool, work).await
}

/// Deletes a backlog in bounded batches: `batch(tx, limit)` deletes at most `limit` rows in
/// its own write transaction, and runs again until it deletes fewer. Returns how many went in
/// all. Purges go through it, so no statement holds many rows or runs long, however large the
/// backlog has grown.
pub async fn delete_in_batches<'a>(
    pool: &PgPool,
    limit: u32,
    mut batch: impl FnMut(Tx, i64) -> Attempt<'a, u64>,
) -> Result<u64, WriteError> {
    let limit = limit.max(1);
    let mut deleted = 0;
    loop {
        let this_batch = write(pool, |tx| batch(tx, i64::from(limit))).await?;
        deleted += this_batch;
        if this_batch < u64::from(limit) {
            return Ok(deleted);
        }
    }
}

impl RetryPolicy {
    /// Begins a SERIALIZABLE transaction, hands it to `work`, and commits what `work` gives
    /// back. A serialization failure, from any statement or from the commit, rolls back and
    /// starts again, up to `max_attempts` times in all; any other error is returned at once.
    pub async fn write<'a, T>(
        &self,
        pool: &PgPool,
        mut work: impl FnMut(Tx) -> Attempt<'a, T>,
    ) -> Result<T, WriteError> {
        let mut attempt = 1;
        loop {
            let error = match self.attempt(pool, &mut work).await {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            if !is_serialization_failure(&error) {
                return Err(WriteError::Database(error));
            }
            if attempt >= self.max_attempts {
                metrics::counter!(description: RETRIES_EXHAUSTED_HELP, RETRIES_EXHAUSTED_METRIC)
                    .increment(1);
                return Err(WriteError::GaveUp {
                    attempts: attempt,
                    last: error,
                });
            }
            let pause = self.pause_before_retry(attempt);
            tracing::debug!(attempt, ?pause, "serialization failure; retrying");
            metrics::counter!(description: RETRIES_HELP, RETRIES_METRIC).increment(1);
            tokio::time::sleep(pause).await;
            attempt += 1;
        }
    }

    async fn attempt<'a, T>(
        &self,
        pool: &PgPool,
        work: &mut impl FnMut(Tx) -> Attempt<'a, T>,
    ) -> Result<T, sqlx::Error> {
        let mut transaction = pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")
            .execute(&mut *transaction)
            .await?;
        let (value, transaction) = work(transaction).await?;
        transaction.commit().await?;
        Ok(value)
    }

    /// Full jitter: a random pause between zero and the capped exponential delay, so callers
    /// that conflicted together do not retry in lockstep.
    fn pause_before_retry(&self, attempt: u32) -> Duration {
        let ceiling = self.ceiling(attempt);
        let random = RandomState::new().hash_one(attempt);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(random % nanos.saturating_add(1))
    }

    /// The longest pause before retry number `attempt` (1 for the first retry).
    fn ceiling(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        self.base_delay.saturating_mul(factor).min(self.max_delay)
    }
}

/// Whether the database asked for the transaction to be retried.
pub fn is_serialization_failure(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .and_then(|error| error.code())
        .is_some_and(|code| code == SERIALIZATION_FAILURE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_double_up_to_the_cap() {
        let policy = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
        };
        let ceilings: Vec<u128> = (1..=5).map(|n| policy.ceiling(n).as_millis()).collect();
        assert_eq!(ceilings, [10, 20, 40, 50, 50]);
    }

    #[test]
    fn pauses_are_random_and_never_above_the_ceiling() {
        let policy = RetryPolicy::default();
        let pauses: Vec<Duration> = (0..50).map(|_| policy.pause_before_retry(3)).collect();
        assert!(pauses.iter().all(|pause| *pause <= policy.ceiling(3)));
        assert!(
            pauses.iter().any(|pause| *pause != pauses[0]),
            "50 pauses should not all be equal"
        );
    }

    #[test]
    fn only_serialization_failures_are_retried() {
        assert!(!is_serialization_failure(&sqlx::Error::RowNotFound));
        assert!(!is_serialization_failure(&sqlx::Error::PoolTimedOut));
    }
}
