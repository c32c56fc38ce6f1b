//! A circuit breaker for one provider: closed (calls pass, consecutive failures are counted),
//! open (calls fail fast without reaching the provider) and half-open (one trial call passes;
//! its outcome closes or reopens the breaker).
//!
//! Each call holds a [`Permit`] and settles it once: [`Permit::success`] when its reply ended
//! properly, [`Permit::failure`] when the provider failed it (unreachable, 429, 5xx, no first
//! token in time, a broken stream). A permit dropped unsettled (the caller cancelled, or the
//! error was the request's own fault, such as a 400) is no verdict on the provider. A verdict
//! from before the last state change is ignored, so a slow reply that started while the breaker
//! was closed cannot close it again after it opened.

use serde::Serialize;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// When a breaker opens and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerConfig {
    /// Consecutive failures that open the breaker; 0 never opens it.
    pub failure_threshold: u32,
    /// How long an open breaker fails calls fast before it lets one trial call through.
    pub open_for: Duration,
}

impl BreakerConfig {
    /// A breaker that never opens.
    pub const NEVER: BreakerConfig = BreakerConfig {
        failure_threshold: 0,
        open_for: Duration::ZERO,
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakerState {
    Closed,
    Open,
    HalfOpen,
}

impl BreakerState {
    pub fn as_str(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open => "open",
            BreakerState::HalfOpen => "half_open",
        }
    }
}

/// A snapshot of one provider's breaker, for the admin view.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BreakerStatus {
    /// 0 for the primary provider, then the fallbacks in order.
    pub position: usize,
    pub provider: String,
    pub model: String,
    pub state: BreakerState,
    pub consecutive_failures: u32,
    /// While open: how long until a trial call is let through.
    pub retry_in: Option<Duration>,
    /// How many times it opened since the process started.
    pub opened_count: u64,
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Closed,
    Open { until: Instant },
    HalfOpen { probing: bool },
}

#[derive(Debug)]
struct Inner {
    state: State,
    failures: u32,
    /// Bumped at every state change; permits from an older generation settle nothing.
    generation: u64,
    opened: u64,
    last_error: Option<String>,
}

impl Inner {
    fn open(&mut self, config: &BreakerConfig, now: Instant) {
        self.state = State::Open {
            until: now + config.open_for,
        };
        self.generation += 1;
        self.opened += 1;
    }
}

/// The breaker of one provider. Cheap to share: the state sits behind an `Arc`.
#[derive(Debug, Clone)]
pub struct Breaker {
    config: BreakerConfig,
    inner: Arc<Mutex<Inner>>,
}

/// Why a call was refused without reaching the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    /// How long until the breaker lets a trial call through (zero while one is in flight).
    pub retry_in: Duration,
}

impl Breaker {
    pub fn new(config: BreakerConfig) -> Self {
        Breaker {
            config,
            inner: Arc::new(Mutex::new(Inner {
                state: State::Closed,
                failures: 0,
                generation: 0,
                opened: 0,
                last_error: None,
            })),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding this lock cannot leave the counters inconsistent: keep going.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Lets a call through (closed, or as the half-open trial) or refuses it (open, or a trial
    /// already in flight).
    pub fn try_acquire(&self) -> Result<Permit, Refused> {
        self.try_acquire_at(Instant::now())
    }

    fn try_acquire_at(&self, now: Instant) -> Result<Permit, Refused> {
        let mut inner = self.lock();
        let state = inner.state;
        let probe = match state {
            State::Closed => false,
            State::Open { until } if now < until => {
                return Err(Refused {
                    retry_in: until - now,
                })
            }
            State::Open { .. } | State::HalfOpen { probing: false } => {
                inner.state = State::HalfOpen { probing: true };
                inner.generation += 1;
                true
            }
            State::HalfOpen { probing: true } => {
                return Err(Refused {
                    retry_in: Duration::ZERO,
                })
            }
        };
        Ok(Permit {
            breaker: self.clone(),
            generation: inner.generation,
            probe,
            settled: false,
        })
    }

    /// The state as an admin should read it: an open breaker whose time is up shows as
    /// half-open, since the next call will be its trial.
    pub fn status(&self, position: usize, provider: &str, model: &str) -> BreakerStatus {
        self.status_at(position, provider, model, Instant::now())
    }

    fn status_at(
        &self,
        position: usize,
        provider: &str,
        model: &str,
        now: Instant,
    ) -> BreakerStatus {
        let inner = self.lock();
        let current = inner.state;
        let (state, retry_in) = match current {
            State::Closed => (BreakerState::Closed, None),
            State::Open { until } if now < until => (BreakerState::Open, Some(until - now)),
            State::Open { .. } | State::HalfOpen { .. } => (BreakerState::HalfOpen, None),
        };
        BreakerStatus {
            position,
            provider: provider.to_owned(),
            model: model.to_owned(),
            state,
            consecutive_failures: inner.failures,
            retry_in,
            opened_count: inner.opened,
            last_error: inner.last_error.clone(),
        }
    }
}

/// One call's right to reach the provider; settle it once with its outcome.
#[derive(Debug)]
pub struct Permit {
    breaker: Breaker,
    generation: u64,
    probe: bool,
    settled: bool,
}

impl Permit {
    /// The reply ended properly: the provider is healthy.
    pub fn success(mut self) {
        self.settled = true;
        let mut inner = self.breaker.lock();
        if inner.generation != self.generation {
            return;
        }
        inner.failures = 0;
        if matches!(inner.state, State::HalfOpen { .. }) {
            inner.state = State::Closed;
            inner.generation += 1;
        }
    }

    /// The provider failed this call.
    pub fn failure(self, error: &str) {
        self.failure_at(error, Instant::now());
    }

    fn failure_at(mut self, error: &str, now: Instant) {
        self.settled = true;
        let config = self.breaker.config;
        let mut inner = self.breaker.lock();
        inner.last_error = Some(error.chars().take(300).collect());
        if inner.generation != self.generation {
            return;
        }
        inner.failures = inner.failures.saturating_add(1);
        let tripped = match inner.state {
            State::HalfOpen { .. } => true,
            State::Closed => {
                config.failure_threshold > 0 && inner.failures >= config.failure_threshold
            }
            State::Open { .. } => false,
        };
        if tripped {
            inner.open(&config, now);
        }
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if self.settled || !self.probe {
            return;
        }
        // An unsettled trial frees the half-open slot: the next call tries again.
        let mut inner = self.breaker.lock();
        if inner.generation == self.generation && inner.state == (State::HalfOpen { probing: true })
        {
            inner.state = State::HalfOpen { probing: false };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker(threshold: u32) -> Breaker {
        Breaker::new(BreakerConfig {
            failure_threshold: threshold,
            open_for: Duration::from_secs(30),
        })
    }

    fn state(b: &Breaker, now: Instant) -> BreakerState {
        b.status_at(0, "p", "m", now).state
    }

    #[test]
    fn opens_after_consecutive_failures_and_fails_fast() {
        let b = breaker(3);
        let t0 = Instant::now();
        for _ in 0..2 {
            b.try_acquire_at(t0).expect("closed").failure_at("500", t0);
        }
        assert_eq!(state(&b, t0), BreakerState::Closed);
        b.try_acquire_at(t0).expect("closed").success();
        for _ in 0..2 {
            b.try_acquire_at(t0).expect("closed").failure_at("500", t0);
        }
        assert_eq!(
            state(&b, t0),
            BreakerState::Closed,
            "a success resets the count"
        );
        b.try_acquire_at(t0).expect("closed").failure_at("500", t0);
        assert_eq!(state(&b, t0), BreakerState::Open);
        let refused = b
            .try_acquire_at(t0 + Duration::from_secs(10))
            .expect_err("open");
        assert_eq!(refused.retry_in, Duration::from_secs(20));
        let status = b.status_at(0, "p", "m", t0);
        assert_eq!(status.opened_count, 1);
        assert_eq!(status.last_error.as_deref(), Some("500"));
    }

    #[test]
    fn half_open_lets_one_trial_through_which_closes_or_reopens() {
        let b = breaker(1);
        let t0 = Instant::now();
        b.try_acquire_at(t0).expect("closed").failure_at("boom", t0);
        let later = t0 + Duration::from_secs(31);
        assert_eq!(state(&b, later), BreakerState::HalfOpen);
        let trial = b.try_acquire_at(later).expect("the trial");
        b.try_acquire_at(later).expect_err("one trial at a time");
        trial.failure_at("still down", later);
        assert_eq!(
            state(&b, later),
            BreakerState::Open,
            "a failed trial reopens"
        );

        let again = later + Duration::from_secs(31);
        b.try_acquire_at(again).expect("the next trial").success();
        assert_eq!(state(&b, again), BreakerState::Closed);
        assert_eq!(b.status_at(0, "p", "m", again).opened_count, 2);
    }

    #[test]
    fn an_abandoned_trial_frees_the_slot_and_stale_verdicts_are_ignored() {
        let b = breaker(1);
        let t0 = Instant::now();
        let slow = b.try_acquire_at(t0).expect("closed");
        b.try_acquire_at(t0).expect("closed").failure_at("boom", t0);
        slow.success();
        assert_eq!(
            state(&b, t0),
            BreakerState::Open,
            "a reply begun before the breaker opened does not close it"
        );
        let later = t0 + Duration::from_secs(31);
        drop(b.try_acquire_at(later).expect("trial"));
        b.try_acquire_at(later)
            .expect("the slot is free again")
            .success();
        assert_eq!(state(&b, later), BreakerState::Closed);
    }

    #[test]
    fn a_zero_threshold_never_opens() {
        let b = Breaker::new(BreakerConfig::NEVER);
        let t0 = Instant::now();
        for _ in 0..50 {
            b.try_acquire_at(t0).expect("closed").failure_at("boom", t0);
        }
        assert_eq!(state(&b, t0), BreakerState::Closed);
    }
}
