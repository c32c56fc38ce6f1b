//! Retrying one provider before its first token: the policy (how many attempts, how long to
//! back off, which `Retry-After` to honour) and the loop that applies it with backon. It is a
//! separate concern from choosing between providers and from the circuit breakers, and keeping
//! it here lets the parent read as the chain's walk over its providers.

use super::{Attempt, Chain, Link, OpenError};
use crate::provider::EventStream;
use crate::types::ChatRequest;
use backon::{ExponentialBuilder, Retryable};
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// Retries on one provider, before its first token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts after the first one (0: no retries).
    pub retries: u32,
    /// The first backoff delay; it doubles with every retry, with jitter, up to `max_delay`.
    pub min_delay: Duration,
    pub max_delay: Duration,
    /// The longest `Retry-After` honoured.
    pub max_retry_after: Duration,
}

impl RetryPolicy {
    pub const NONE: RetryPolicy = RetryPolicy {
        retries: 0,
        min_delay: Duration::ZERO,
        max_delay: Duration::ZERO,
        max_retry_after: Duration::ZERO,
    };

    /// The wait before the next attempt, or None to stop retrying this provider: retries used
    /// up (`planned` is None), a `Retry-After` above the cap, or a wait that would end past the
    /// deadline.
    fn next_delay(
        &self,
        error: &OpenError,
        planned: Option<Duration>,
        deadline: Instant,
    ) -> Option<Duration> {
        let planned = planned?;
        let delay = match error.retry_after() {
            Some(asked) if asked > self.max_retry_after => return None,
            Some(asked) => asked,
            None => planned,
        };
        (Instant::now() + delay < deadline).then_some(delay)
    }
}

impl Chain {
    /// One provider, with its retries.
    pub(super) async fn open_link(
        &self,
        link: &Link,
        request: &ChatRequest,
        deadline: Instant,
        log: &Mutex<Vec<Attempt>>,
    ) -> Result<EventStream, OpenError> {
        let policy = self.retry;
        let backoff = ExponentialBuilder::default()
            .with_min_delay(policy.min_delay)
            .with_max_delay(policy.max_delay)
            .with_max_times(policy.retries as usize)
            .with_jitter();
        (move || link.attempt(request, deadline, log))
            .retry(backoff)
            .when(OpenError::is_transient)
            .adjust(move |error, planned| policy.next_delay(error, planned, deadline))
            .notify(move |error, delay| {
                tracing::warn!(
                    provider = link.route.model.provider(),
                    model = link.route.model.model(),
                    error = %error,
                    delay_ms = delay.as_millis() as u64,
                    "retrying a model call before its first token"
                )
            })
            .await
    }
}
