//! Admission to the model: a few calls at once, a short bounded line behind them, and a
//! limited wait in that line. A crowd then meets a clear "busy" at once (a turn posts its
//! built question, a new interview gets 503 with `Retry-After`) instead of queueing silently
//! behind a two-core local model and getting the same answer half a minute late. Calls already
//! running keep their slot and are not slowed by arrivals.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdmissionConfig {
    /// Calls running at once.
    pub slots: usize,
    /// Calls that may wait for a slot; one more is refused at once.
    pub line: usize,
    /// How long a call waits in line before it is refused.
    pub wait: Duration,
}

impl AdmissionConfig {
    /// No practical limit (tests and tools that measure the model itself).
    pub const UNLIMITED: AdmissionConfig = AdmissionConfig {
        slots: Semaphore::MAX_PERMITS,
        line: usize::MAX,
        wait: Duration::from_secs(3600),
    };
}

/// Why a call was not admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Busy {
    #[error("every model slot is taken and the line is full")]
    LineFull,
    #[error("no model slot came free within {} ms", .0.as_millis())]
    Waited(Duration),
}

/// What admission decided since the process started: how many calls had a slot at once, how
/// many waited in line for one (and how long), how many were refused. Load runs print it ("how
/// many waited, how long"); it costs a few atomic adds per call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AdmissionCounts {
    /// Calls that found a slot free.
    pub at_once: u64,
    /// Calls that waited in line and then got a slot.
    pub after_wait: u64,
    /// Their waits added up, in milliseconds.
    pub waited_ms_total: u64,
    /// The longest of those waits, in milliseconds.
    pub waited_ms_max: u64,
    /// Calls refused at once: every slot taken and the line full.
    pub refused_line_full: u64,
    /// Calls refused after waiting their whole wait (zero for a call that may not wait).
    pub refused_after_wait: u64,
}

impl AdmissionCounts {
    /// The mean wait of the calls that waited, in milliseconds (0 when none did).
    pub fn waited_ms_mean(&self) -> u64 {
        self.waited_ms_total
            .checked_div(self.after_wait)
            .unwrap_or(0)
    }
}

/// [`AdmissionCounts`] as it is kept: one atomic per field.
#[derive(Debug, Default)]
struct Counters {
    at_once: AtomicU64,
    after_wait: AtomicU64,
    waited_ms_total: AtomicU64,
    waited_ms_max: AtomicU64,
    refused_line_full: AtomicU64,
    refused_after_wait: AtomicU64,
}

impl Counters {
    fn waited(&self, waited: Duration) {
        let ms = u64::try_from(waited.as_millis()).unwrap_or(u64::MAX);
        self.after_wait.fetch_add(1, Ordering::Relaxed);
        self.waited_ms_total.fetch_add(ms, Ordering::Relaxed);
        self.waited_ms_max.fetch_max(ms, Ordering::Relaxed);
    }

    fn snapshot(&self) -> AdmissionCounts {
        AdmissionCounts {
            at_once: self.at_once.load(Ordering::Relaxed),
            after_wait: self.after_wait.load(Ordering::Relaxed),
            waited_ms_total: self.waited_ms_total.load(Ordering::Relaxed),
            waited_ms_max: self.waited_ms_max.load(Ordering::Relaxed),
            refused_line_full: self.refused_line_full.load(Ordering::Relaxed),
            refused_after_wait: self.refused_after_wait.load(Ordering::Relaxed),
        }
    }
}

#[derive(Debug)]
pub struct Admission {
    slots: Arc<Semaphore>,
    waiting: AtomicUsize,
    config: AdmissionConfig,
    counts: Counters,
}

/// Counts a call in line for as long as it waits, however the wait ends.
struct InLine<'a>(&'a AtomicUsize);

impl Drop for InLine<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Admission {
    pub fn new(config: AdmissionConfig) -> Self {
        Admission {
            slots: Arc::new(Semaphore::new(
                config.slots.clamp(1, Semaphore::MAX_PERMITS),
            )),
            waiting: AtomicUsize::new(0),
            config,
            counts: Counters::default(),
        }
    }

    /// A slot, held until the permit is dropped (when the call's reply has ended).
    pub async fn admit(&self) -> Result<OwnedSemaphorePermit, Busy> {
        self.admit_within(None).await
    }

    /// [`Self::admit`], waiting in line at most `max_wait` (and never longer than the
    /// configured wait): a call with a cheap fallback (a phrasing, whose built question is
    /// ready) should not hold a worker in line while others could be served.
    pub async fn admit_within(
        &self,
        max_wait: Option<std::time::Duration>,
    ) -> Result<OwnedSemaphorePermit, Busy> {
        let wait = max_wait.map_or(self.config.wait, |w| w.min(self.config.wait));
        if let Ok(permit) = self.slots.clone().try_acquire_owned() {
            self.counts.at_once.fetch_add(1, Ordering::Relaxed);
            return Ok(permit);
        }
        let before = self.waiting.fetch_add(1, Ordering::SeqCst);
        let _in_line = InLine(&self.waiting);
        if before >= self.config.line {
            self.counts
                .refused_line_full
                .fetch_add(1, Ordering::Relaxed);
            return Err(Busy::LineFull);
        }
        let joined = Instant::now();
        match tokio::time::timeout(wait, self.slots.clone().acquire_owned()).await {
            Ok(Ok(permit)) => {
                self.counts.waited(joined.elapsed());
                Ok(permit)
            }
            _ => {
                self.counts
                    .refused_after_wait
                    .fetch_add(1, Ordering::Relaxed);
                Err(Busy::Waited(wait))
            }
        }
    }

    /// What admission decided so far.
    pub fn counts(&self) -> AdmissionCounts {
        self.counts.snapshot()
    }

    /// Whether a call arriving now would be refused at once: every slot taken and the line
    /// full. Starting an interview checks this, so nobody begins one that cannot be served.
    pub fn is_full(&self) -> bool {
        self.slots.available_permits() == 0
            && self.waiting.load(Ordering::SeqCst) >= self.config.line
    }

    /// Calls waiting in line now.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::SeqCst)
    }

    /// Calls holding a slot now.
    pub fn running(&self) -> usize {
        self.config.slots.clamp(1, Semaphore::MAX_PERMITS) - self.slots.available_permits()
    }

    /// When to try again after a refusal: one wait in line, in whole seconds.
    pub fn retry_after_secs(&self) -> u32 {
        u32::try_from(self.config.wait.as_secs().max(1)).unwrap_or(u32::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admission(slots: usize, line: usize, wait_ms: u64) -> Admission {
        Admission::new(AdmissionConfig {
            slots,
            line,
            wait: Duration::from_millis(wait_ms),
        })
    }

    #[tokio::test]
    async fn a_full_line_refuses_at_once_and_a_freed_slot_admits() {
        let a = admission(1, 0, 10_000);
        let held = a.admit().await.expect("the slot");
        assert!(a.is_full());
        // No line: refused without waiting (the 10 s wait would hang this test otherwise).
        assert_eq!(a.admit().await.err(), Some(Busy::LineFull));
        drop(held);
        assert!(!a.is_full());
        assert!(a.admit().await.is_ok());
        assert_eq!(a.waiting(), 0);
        let counts = a.counts();
        assert_eq!(
            (counts.at_once, counts.refused_line_full, counts.after_wait),
            (2, 1, 0)
        );
    }

    #[tokio::test]
    async fn a_call_in_line_is_refused_when_its_wait_runs_out() {
        let a = admission(1, 1, 20);
        let _held = a.admit().await.expect("the slot");
        assert!(!a.is_full(), "one place in line is free");
        assert_eq!(
            a.admit().await.err(),
            Some(Busy::Waited(Duration::from_millis(20)))
        );
        assert_eq!(a.waiting(), 0, "a refused call leaves the line");
        assert_eq!(a.counts().refused_after_wait, 1);
        assert_eq!(a.counts().after_wait, 0);
    }

    #[tokio::test]
    async fn a_call_in_line_gets_the_slot_when_it_frees() {
        let a = Arc::new(admission(1, 1, 60_000));
        let held = a.admit().await.expect("the slot");
        let waiter = {
            let a = a.clone();
            tokio::spawn(async move { a.admit().await.map(|_| ()) })
        };
        while a.waiting() == 0 {
            tokio::task::yield_now().await;
        }
        assert!(a.is_full(), "the slot is taken and the line is full");
        drop(held);
        assert_eq!(waiter.await.expect("task"), Ok(()));
        let counts = a.counts();
        assert_eq!((counts.at_once, counts.after_wait), (1, 1), "{counts:?}");
        assert_eq!(counts.waited_ms_mean(), counts.waited_ms_total);
        assert!(counts.waited_ms_max >= counts.waited_ms_mean());
    }
}
