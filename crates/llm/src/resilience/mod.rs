//! Provider resilience: everything between "the gateway wants a reply" and "the first event
//! arrived", over a chain of providers (the primary, then the configured fallbacks in order).
//!
//! For each provider of the chain:
//! - its circuit breaker ([`breaker`]) decides whether the call may reach it at all; an open
//!   breaker refuses at once and the chain moves on;
//! - an attempt is the provider's `stream()` plus its first event. A transient failure
//!   (unreachable, 429, 500-504, Anthropic's 529 overloaded) is retried on the same provider
//!   with exponential backoff and jitter (backon), or after what `Retry-After` asked when the
//!   provider said, up to [`RetryPolicy::max_retry_after`] (a provider asking for longer is not
//!   retried in this call), and never past the first-token deadline;
//! - any other failure, or retries used up, moves on to the next provider.
//!
//! Nothing is retried once the first event has arrived: the caller may already show the tokens,
//! and a second reply would repeat or contradict them. A stream that breaks later ends the call
//! with its error, and counts against the provider's breaker.
//!
//! The first-token deadline is one for the whole chain, not one per provider: a provider that
//! hangs uses it up and the call times out. Its breaker counts the timeout, so after a few such
//! calls it opens and the next calls go straight to the fallback.
//!
//! A fallback may have slots and a line of its own ([`Route::admission`]; the primary's are the
//! gateway's): when the primary fails, the crowd it was serving does not all land on, say, the
//! one-slot local model at once. A call that finds a fallback's line full, or waits in it past
//! its wait or the deadline, moves on (recorded as `busy` on the trace), and the slot it got is
//! held until its reply ends.

pub mod breaker;
mod link;
mod retry;
#[cfg(test)]
mod tests;

pub use breaker::{BreakerConfig, BreakerState, BreakerStatus};
pub use retry::RetryPolicy;

use crate::admission::{Admission, AdmissionConfig, Busy};
use crate::pricing::{Nanos, Pricing};
use crate::provider::{ChatModel, EventStream, LlmError};
use crate::types::ChatRequest;
use breaker::Breaker;
use link::{hold, take, Link};
use serde::Serialize;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// How the gateway treats failing providers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResilienceConfig {
    pub retry: RetryPolicy,
    pub breaker: BreakerConfig,
}

impl ResilienceConfig {
    /// One attempt and a breaker that never opens: what a gateway starts with until
    /// [`crate::gateway::Gateway::with_resilience`] says otherwise.
    pub const OFF: ResilienceConfig = ResilienceConfig {
        retry: RetryPolicy::NONE,
        breaker: BreakerConfig::NEVER,
    };
}

/// One provider of the chain with its own prices (a fallback may cost more or less than the
/// primary; the call is charged at the prices of the one that answered).
#[derive(Clone)]
pub struct Route {
    pub model: Arc<dyn ChatModel>,
    pub pricing: Pricing,
    /// A fallback's own slots and line (None: unlimited). Ignored for the primary, whose
    /// admission is the gateway's ([`crate::gateway::Gateway::with_admission`]).
    pub admission: Option<AdmissionConfig>,
}

/// Whether a failure says something about the provider's health, so that it is worth another
/// attempt and counts against its breaker. The request's own faults (400, 401, 404, an
/// unreadable reply) do neither.
pub fn is_transient(error: &LlmError) -> bool {
    match error {
        LlmError::Unavailable(_) => true,
        // 529: Anthropic's "overloaded".
        LlmError::Upstream { status, .. } => matches!(status, 429 | 500..=504 | 529),
        LlmError::Protocol(_) => false,
    }
}

/// Why no provider of the chain produced a first event.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Model(LlmError),
    #[error("no first token before the deadline")]
    Timeout,
    #[error("{provider} is failing: its circuit breaker is open")]
    CircuitOpen {
        provider: String,
        retry_in: Duration,
    },
    /// A fallback's slots were all taken and its line full, or the wait for one ran out.
    #[error("{provider} is busy: {busy}")]
    Busy {
        provider: String,
        busy: Busy,
        retry_after_secs: u32,
    },
}

impl OpenError {
    pub fn is_transient(&self) -> bool {
        matches!(self, OpenError::Model(e) if is_transient(e))
    }

    fn retry_after(&self) -> Option<Duration> {
        match self {
            OpenError::Model(LlmError::Upstream { retry_after, .. }) => *retry_after,
            _ => None,
        }
    }
}

/// One attempt on one provider, as recorded on the call's trace (`attempts_json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attempt {
    pub provider: String,
    pub model: String,
    /// `ok`, `circuit open`, `no first token before the deadline`, or the provider's error.
    pub outcome: String,
    /// How long the attempt took (0 when the breaker refused it).
    pub ms: u64,
}

/// A reply whose first event has arrived.
pub struct Opened {
    /// The whole reply, its first event included.
    pub stream: EventStream,
    /// Which provider answered: 0 is the primary.
    pub route: usize,
    pub attempts: Vec<Attempt>,
}

impl std::fmt::Debug for Opened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opened")
            .field("route", &self.route)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

/// No provider answered.
#[derive(Debug)]
pub struct Failed {
    pub error: OpenError,
    pub attempts: Vec<Attempt>,
}

/// The primary provider and its fallbacks, each behind its own breaker.
pub struct Chain {
    links: Vec<Link>,
    retry: RetryPolicy,
}

impl Chain {
    pub fn new(primary: Route, fallbacks: Vec<Route>, config: ResilienceConfig) -> Chain {
        let links = std::iter::once(primary)
            .chain(fallbacks)
            .enumerate()
            .map(|(position, route)| Link {
                admission: route.admission.filter(|_| position > 0).map(Admission::new),
                route,
                breaker: Breaker::new(config.breaker),
            })
            .collect();
        Chain {
            links,
            retry: config.retry,
        }
    }

    pub fn primary(&self) -> &Route {
        &self.links[0].route
    }

    /// The provider at `position` (0 is the primary); the primary when out of range.
    pub fn route(&self, position: usize) -> &Route {
        &self.links.get(position).unwrap_or(&self.links[0]).route
    }

    /// The most the request can cost on whichever provider ends up answering.
    pub fn worst_case(&self, request: &ChatRequest) -> Nanos {
        self.links
            .iter()
            .map(|l| l.route.pricing.worst_case(request))
            .max()
            .unwrap_or(0)
    }

    /// Every provider's breaker, the primary first.
    pub fn breakers(&self) -> Vec<BreakerStatus> {
        self.links
            .iter()
            .enumerate()
            .map(|(i, l)| {
                l.breaker
                    .status(i, l.route.model.provider(), l.route.model.model())
            })
            .collect()
    }

    /// Opens a reply: providers in order, retries and breakers as the module docs say, all
    /// before `deadline`. On failure the error is the first real one met (usually the
    /// primary's), not a later fallback's "circuit open".
    pub async fn open(&self, request: &ChatRequest, deadline: Instant) -> Result<Opened, Failed> {
        let log = Mutex::new(Vec::new());
        let mut error: Option<OpenError> = None;
        for (position, link) in self.links.iter().enumerate() {
            let opened = match link.slot(deadline, &log).await {
                Ok(slot) => self
                    .open_link(link, request, deadline, &log)
                    .await
                    .map(|stream| hold(stream, slot)),
                Err(busy) => Err(busy),
            };
            match opened {
                Ok(stream) => {
                    return Ok(Opened {
                        stream,
                        route: position,
                        attempts: take(&log),
                    })
                }
                Err(OpenError::Timeout) => {
                    error = Some(OpenError::Timeout);
                    break;
                }
                Err(e) => {
                    if position + 1 < self.links.len() {
                        tracing::warn!(
                            provider = link.route.model.provider(),
                            model = link.route.model.model(),
                            error = %e,
                            "model provider failed before its first token; trying the next in the chain"
                        );
                    }
                    // A provider that failed says more than one skipped, and a busy one
                    // (free again soon, with a wait to tell) more than an open breaker.
                    let keep = match &error {
                        None => false,
                        Some(OpenError::CircuitOpen { .. }) => {
                            matches!(e, OpenError::CircuitOpen { .. })
                        }
                        Some(OpenError::Busy { .. }) => {
                            matches!(e, OpenError::CircuitOpen { .. } | OpenError::Busy { .. })
                        }
                        Some(_) => true,
                    };
                    if !keep {
                        error = Some(e);
                    }
                }
            }
        }
        Err(Failed {
            error: error.unwrap_or(OpenError::Timeout),
            attempts: take(&log),
        })
    }
}
