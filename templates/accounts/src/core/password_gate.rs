//! One bound on password hashing for the whole process. A hash or verification holds a CPU
//! and its memory (19 MiB for Argon2id) while it runs, so unbounded, 64 concurrent
//! registrations took a server from 68 MiB to over a gigabyte. Every hash and verification of
//! `auth::password::PasswordHasher` runs through [`PasswordGate::run`]: at most
//! `PASSWORD_HASHING_CONCURRENCY` at once, a short queue behind them that waits at most
//! `PasswordHashingConfig::wait`, and [`PasswordsBusy`] (503 with `Retry-After`) beyond.
//!
//! The work runs on the gate's own threads, one per slot, not on tokio's blocking pool: the
//! allocator keeps a freed hashing buffer in the arena of the thread that used it, so hashing
//! spread over many short-lived blocking threads kept hundreds of MiB resident although only
//! a few hashes ever ran at once.
//!
//! Work started with [`PasswordGate::run_with_scratch`] reuses the memory the previous job left
//! (at most one buffer per slot) instead of mapping fresh pages for every check; mapping,
//! faulting in and zeroing 19 MiB made an Argon2id check take 1.4 to 1.6 times as long. Once
//! no job has used that memory for [`SCRATCH_IDLE`], an idle thread of the gate frees it, so
//! a server goes back to its idle size after a burst of logins.

use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};

use crate::core::config::PasswordHashingConfig;
use crate::error::Error;

/// What a refused client is asked to wait.
pub const BUSY_RETRY_AFTER: Duration = Duration::from_secs(1);

/// What the gate's threads are named, in logs and debuggers.
pub const THREAD_NAME: &str = "password-hashing";

/// How long no job may have used the memory jobs leave for each other before it is freed.
pub const SCRATCH_IDLE: Duration = Duration::from_secs(1);

type Job = Box<dyn FnOnce() + Send>;

/// The memory finished jobs left for the next ones, and when it was last handed back.
struct Scratch {
    spare: Vec<Box<dyn Any + Send>>,
    returned: Instant,
}

type SharedScratch = Arc<Mutex<Scratch>>;

pub struct PasswordGate {
    slots: Arc<Semaphore>,
    scratch: SharedScratch,
    /// Feeds the gate's threads; they stop once the gate, and with it this sender, is dropped.
    jobs: mpsc::Sender<Job>,
    queue: usize,
    wait: Duration,
    waiting: AtomicUsize,
    running: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
}

/// Every hashing slot is taken and the queue is full, or the wait ran out.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("too many passwords are being hashed at once")]
pub struct PasswordsBusy {
    pub retry_after: Duration,
}

impl From<PasswordsBusy> for Error {
    fn from(busy: PasswordsBusy) -> Self {
        Self::ServiceUnavailable {
            detail: "The server is busy checking passwords; try again shortly.".into(),
            retry_after: Some(busy.retry_after),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HashingError {
    #[error("password hashing is saturated")]
    Busy(#[from] PasswordsBusy),
    #[error("the password hashing thread stopped unexpectedly")]
    Stopped,
}

/// An error of a password check as the client should see it: 503 when hashing was saturated
/// anywhere in its causes, else 500. For `.context(...)` results of `PasswordHasher` calls.
pub fn http_error(error: anyhow::Error) -> Error {
    match error
        .chain()
        .find_map(|cause| cause.downcast_ref::<PasswordsBusy>())
    {
        Some(busy) => (*busy).into(),
        None => Error::Internal(error),
    }
}

impl PasswordGate {
    pub fn new(config: &PasswordHashingConfig) -> Self {
        let concurrency = config.concurrency.max(1);
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        let scratch = Arc::new(Mutex::new(Scratch {
            spare: Vec::new(),
            returned: Instant::now(),
        }));
        for _ in 0..concurrency {
            let (queue, scratch) = (Arc::clone(&queue), Arc::clone(&scratch));
            let spawned = std::thread::Builder::new()
                .name(THREAD_NAME.to_owned())
                .spawn(move || work_through(&queue, &scratch));
            if let Err(error) = spawned {
                // Fewer threads only means less parallel hashing; the slots still bound it.
                tracing::error!(%error, "could not start a password hashing thread");
            }
        }
        Self {
            slots: Arc::new(Semaphore::new(concurrency)),
            scratch,
            jobs,
            queue: config.queue,
            wait: config.wait,
            waiting: AtomicUsize::new(0),
            running: Arc::new(AtomicUsize::new(0)),
            peak: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Runs `work` (one hash or verification) on one of the gate's threads once a slot is free.
    /// The slot is held by that thread, so a request dropped meanwhile does not free it early.
    /// Work that brings its own memory first frees what earlier jobs left for reuse, so the
    /// gate never holds more than one hashing buffer per slot.
    pub async fn run<T, F>(&self, work: F) -> Result<T, HashingError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let scratch = Arc::clone(&self.scratch);
        self.dispatch(move || {
            if let Ok(mut shared) = scratch.lock() {
                let spare = std::mem::take(&mut shared.spare);
                drop(shared);
                drop(spare);
            }
            work()
        })
        .await
    }

    /// Runs `work` on one of the gate's threads once a slot is free.
    async fn dispatch<T, F>(&self, work: F) -> Result<T, HashingError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let slot = self.enter().await?;
        let (done, result) = oneshot::channel();
        let job: Job = Box::new(move || {
            let output = work();
            // Free the slot before answering, so the caller sees it free once it has its result.
            drop(slot);
            // The request may have gone away meanwhile; nobody is left to tell.
            let _ = done.send(output);
        });
        self.jobs.send(job).map_err(|_| HashingError::Stopped)?;
        result.await.map_err(|_| HashingError::Stopped)
    }

    /// Like [`PasswordGate::run`], lending `work` the memory of type `S` an earlier job left
    /// (a new `S::default()` when there is none) and keeping it for the next job afterwards.
    pub async fn run_with_scratch<S, T, F>(&self, work: F) -> Result<T, HashingError>
    where
        S: Default + Send + 'static,
        F: FnOnce(&mut S) -> T + Send + 'static,
        T: Send + 'static,
    {
        let scratch = Arc::clone(&self.scratch);
        self.dispatch(move || {
            let mut memory = take_scratch::<S>(&scratch);
            let output = work(&mut memory);
            if let Ok(mut shared) = scratch.lock() {
                shared.spare.push(memory);
                shared.returned = Instant::now();
            }
            output
        })
        .await
    }

    /// Whether a check arriving now would be refused: every slot taken and the queue full.
    /// Callers that can refuse early (before reading the database) ask this.
    pub fn is_saturated(&self) -> bool {
        self.slots.available_permits() == 0 && self.waiting.load(Ordering::SeqCst) >= self.queue
    }

    /// The most hashes that have run at once.
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }

    async fn enter(&self) -> Result<Slot, PasswordsBusy> {
        let busy = PasswordsBusy {
            retry_after: BUSY_RETRY_AFTER,
        };
        let permit = match Arc::clone(&self.slots).try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                let Some(_waiting) = Waiting::join(&self.waiting, self.queue) else {
                    tracing::warn!("password hashing queue is full");
                    return Err(busy);
                };
                let acquired = Arc::clone(&self.slots).acquire_owned();
                match tokio::time::timeout(self.wait, acquired).await {
                    Ok(Ok(permit)) => permit,
                    _ => {
                        tracing::warn!("no password hashing slot came free in time");
                        return Err(busy);
                    }
                }
            }
        };
        let running = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(running, Ordering::SeqCst);
        Ok(Slot {
            _permit: permit,
            running: Arc::clone(&self.running),
        })
    }
}

/// What every auth layer's `PasswordHasher` must do, checked by its own tests with its own
/// hasher: behind a gate of one slot, its hashes and verifications run one at a time, and a
/// verification without a stored hash (an unknown user) still never matches.
#[cfg(test)]
pub(crate) async fn assert_hasher_goes_through_the_gate(
    hasher: crate::auth::password::PasswordHasher,
) {
    use secrecy::SecretString;
    let gate = Arc::new(PasswordGate::new(&PasswordHashingConfig {
        concurrency: 1,
        queue: 16,
        wait: Duration::from_secs(60),
    }));
    let hasher = hasher.with_gate(Arc::clone(&gate));
    let hash = hasher.hash(SecretString::from("at a time")).await.unwrap();
    let mut checks = tokio::task::JoinSet::new();
    for n in 0..8 {
        let (hasher, hash) = (hasher.clone(), hash.clone());
        checks.spawn(async move {
            let known = (n % 2 == 0).then_some(hash);
            hasher
                .verify(SecretString::from("at a time"), known)
                .await
                .unwrap()
        });
    }
    let matched = checks.join_all().await;
    assert_eq!(matched.iter().filter(|matched| **matched).count(), 4);
    assert_eq!(gate.peak(), 1);
}

/// One of the gate's threads: runs jobs until the gate is dropped. A job that panics is
/// answered as `Stopped` (its result sender is dropped) and the thread carries on. The thread
/// waiting for the next job frees the jobs' spare memory once it has gone unused for
/// [`SCRATCH_IDLE`].
fn work_through(queue: &Mutex<mpsc::Receiver<Job>>, scratch: &Mutex<Scratch>) {
    loop {
        let next = match queue.lock() {
            Ok(receiver) => receiver.recv_timeout(SCRATCH_IDLE),
            Err(_) => return,
        };
        match next {
            Ok(job) => {
                if std::panic::catch_unwind(AssertUnwindSafe(job)).is_err() {
                    tracing::error!("a password hashing job panicked");
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => free_unused_scratch(scratch),
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        }
    }
}

/// Memory of type `S` an earlier job left, or a new one.
fn take_scratch<S: Default + Send + 'static>(scratch: &Mutex<Scratch>) -> Box<S> {
    let left = scratch.lock().ok().and_then(|mut shared| {
        let position = shared.spare.iter().position(|spare| spare.is::<S>())?;
        shared.spare.swap_remove(position).downcast::<S>().ok()
    });
    left.unwrap_or_default()
}

fn free_unused_scratch(scratch: &Mutex<Scratch>) {
    let unused = match scratch.lock() {
        Ok(mut shared) if shared.returned.elapsed() >= SCRATCH_IDLE => {
            std::mem::take(&mut shared.spare)
        }
        _ => return,
    };
    // Freed outside the lock: unmapping 19 MiB buffers need not hold up a starting job.
    drop(unused);
}

/// A taken hashing slot.
struct Slot {
    _permit: OwnedSemaphorePermit,
    running: Arc<AtomicUsize>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.running.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A place in the queue, left when dropped (also when the waiting request is dropped).
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn join(waiting: &'a AtomicUsize, queue: usize) -> Option<Self> {
        waiting
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < queue).then_some(n + 1)
            })
            .ok()
            .map(|_| Self(waiting))
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use tokio::task::JoinSet;

    use super::*;

    fn gate(concurrency: usize, queue: usize, wait: Duration) -> Arc<PasswordGate> {
        Arc::new(PasswordGate::new(&PasswordHashingConfig {
            concurrency,
            queue,
            wait,
        }))
    }

    /// Runs `n` slow pieces of work at once; returns how many ran, how many were refused and
    /// the most that ran at the same time, counted by the work itself.
    async fn slow_burst(
        gate: &Arc<PasswordGate>,
        n: usize,
        each: Duration,
    ) -> (usize, usize, usize) {
        let now = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let mut tasks = JoinSet::new();
        for _ in 0..n {
            let (gate, now, most) = (Arc::clone(gate), Arc::clone(&now), Arc::clone(&most));
            tasks.spawn(async move {
                gate.run(move || {
                    let current = now.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(current, Ordering::SeqCst);
                    std::thread::sleep(each);
                    now.fetch_sub(1, Ordering::SeqCst);
                })
                .await
            });
        }
        let (mut ran, mut refused) = (0, 0);
        while let Some(result) = tasks.join_next().await {
            match result.unwrap() {
                Ok(()) => ran += 1,
                Err(HashingError::Busy(busy)) => {
                    assert_eq!(busy.retry_after, BUSY_RETRY_AFTER);
                    refused += 1;
                }
                Err(other) => panic!("{other}"),
            }
        }
        (ran, refused, most.load(Ordering::SeqCst))
    }

    #[tokio::test]
    async fn no_more_than_the_bound_run_at_once_and_the_rest_beyond_the_queue_are_refused() {
        let gate = gate(2, 2, Duration::from_secs(30));
        let (ran, refused, most) = slow_burst(&gate, 10, Duration::from_millis(300)).await;
        assert_eq!(most, 2, "the work itself saw {most} at once");
        assert_eq!(gate.peak(), 2);
        assert_eq!((ran, refused), (4, 6), "two slots and two waiting places");
    }

    #[tokio::test]
    async fn the_work_runs_on_the_gates_own_threads_one_per_slot() {
        let gate = gate(2, 64, Duration::from_secs(30));
        let threads = Arc::new(Mutex::new(std::collections::HashSet::new()));
        let mut tasks = JoinSet::new();
        for _ in 0..32 {
            let (gate, threads) = (Arc::clone(&gate), Arc::clone(&threads));
            tasks.spawn(async move {
                gate.run(move || {
                    let current = std::thread::current();
                    assert_eq!(current.name(), Some(THREAD_NAME));
                    if let Ok(mut seen) = threads.lock() {
                        seen.insert(current.id());
                    }
                    std::thread::sleep(Duration::from_millis(5));
                })
                .await
            });
        }
        while let Some(joined) = tasks.join_next().await {
            joined.unwrap().unwrap();
        }
        let seen = threads.lock().unwrap().len();
        assert!((1..=2).contains(&seen), "hashing ran on {seen} threads");
    }

    #[tokio::test]
    async fn a_job_that_panics_is_answered_and_the_gate_keeps_working() {
        let gate = gate(1, 1, Duration::from_secs(30));
        let failed = gate.run(|| panic!("a broken hasher")).await;
        assert!(matches!(failed, Err(HashingError::Stopped)), "{failed:?}");
        assert_eq!(gate.run(|| 7).await.unwrap(), 7);
    }

    #[tokio::test]
    async fn a_check_that_waits_too_long_is_refused() {
        let gate = gate(1, 1, Duration::from_millis(50));
        let (ran, refused, most) = slow_burst(&gate, 2, Duration::from_millis(500)).await;
        assert_eq!((ran, refused, most), (1, 1, 1));
    }

    #[tokio::test]
    async fn a_full_gate_says_so_and_frees_its_places_afterwards() {
        let gate = gate(1, 0, Duration::from_secs(1));
        assert!(!gate.is_saturated());
        let held = {
            let gate = Arc::clone(&gate);
            tokio::spawn(async move {
                gate.run(|| std::thread::sleep(Duration::from_millis(300)))
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(gate.is_saturated());
        held.await.unwrap().unwrap();
        assert!(!gate.is_saturated());
        gate.run(|| ()).await.unwrap();
    }

    /// Scratch memory that counts how often it was made and freed.
    struct Counted;

    static MADE: AtomicUsize = AtomicUsize::new(0);
    static FREED: AtomicUsize = AtomicUsize::new(0);

    impl Default for Counted {
        fn default() -> Self {
            MADE.fetch_add(1, Ordering::SeqCst);
            Self
        }
    }

    impl Drop for Counted {
        fn drop(&mut self) {
            FREED.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[tokio::test]
    async fn scratch_memory_is_reused_while_work_comes_and_freed_once_it_stops() {
        let gate = gate(1, 1, Duration::from_secs(30));
        for _ in 0..3 {
            gate.run_with_scratch(|_: &mut Counted| ()).await.unwrap();
        }
        assert_eq!(MADE.load(Ordering::SeqCst), 1, "made once, then reused");
        assert_eq!(FREED.load(Ordering::SeqCst), 0, "kept while work comes");
        tokio::time::sleep(SCRATCH_IDLE * 3).await;
        assert_eq!(FREED.load(Ordering::SeqCst), 1, "freed once unused");
        gate.run_with_scratch(|_: &mut Counted| ()).await.unwrap();
        assert_eq!(
            MADE.load(Ordering::SeqCst),
            2,
            "made anew after being freed"
        );
        gate.run(|| ()).await.unwrap();
        assert_eq!(
            FREED.load(Ordering::SeqCst),
            2,
            "work with memory of its own frees what is left first"
        );
    }

    #[test]
    fn saturation_answers_503_with_retry_after() {
        let busy = PasswordsBusy {
            retry_after: BUSY_RETRY_AFTER,
        };
        let error = http_error(anyhow::Error::new(HashingError::Busy(busy)).context("verifying"));
        assert!(matches!(
            error,
            Error::ServiceUnavailable {
                retry_after: Some(BUSY_RETRY_AFTER),
                ..
            }
        ));
        let other = http_error(anyhow::anyhow!("something else"));
        assert!(matches!(other, Error::Internal(_)));
    }
}
