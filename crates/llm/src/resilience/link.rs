//! One provider of the chain: its own slot (a fallback's line), an attempt through its breaker
//! up to the first event, and the watch that settles the breaker with how the reply ends.

use super::breaker::{Breaker, Permit};
use super::{is_transient, Attempt, OpenError, Route};
use crate::admission::Admission;
use crate::provider::{ChatModel, EventStream, LlmError};
use crate::types::{ChatRequest, StreamEvent};
use futures::StreamExt;
use std::sync::Mutex;
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::Instant;

pub(super) struct Link {
    pub(super) route: Route,
    pub(super) breaker: Breaker,
    /// A fallback's own slots (see the module docs).
    pub(super) admission: Option<Admission>,
}

impl Link {
    /// A slot of the link's own, when it has slots (a fallback): waited for in its line, never
    /// past `deadline`. Busy, the attempt is recorded and the chain moves on.
    pub(super) async fn slot(
        &self,
        deadline: Instant,
        log: &Mutex<Vec<Attempt>>,
    ) -> Result<Option<OwnedSemaphorePermit>, OpenError> {
        let Some(admission) = &self.admission else {
            return Ok(None);
        };
        let started = Instant::now();
        let left = deadline.saturating_duration_since(started);
        match admission.admit_within(Some(left)).await {
            Ok(slot) => Ok(Some(slot)),
            Err(busy) => {
                self.record(log, started, format!("busy: {busy}"));
                Err(OpenError::Busy {
                    provider: self.label(),
                    busy,
                    retry_after_secs: admission.retry_after_secs(),
                })
            }
        }
    }

    /// Adds an attempt on this provider, begun at `started`, to the call's log.
    fn record(&self, log: &Mutex<Vec<Attempt>>, started: Instant, outcome: String) {
        let attempt = Attempt {
            provider: self.route.model.provider().to_owned(),
            model: self.route.model.model().to_owned(),
            outcome,
            ms: started.elapsed().as_millis() as u64,
        };
        log.lock().unwrap_or_else(|e| e.into_inner()).push(attempt);
    }

    fn label(&self) -> String {
        format!(
            "{}/{}",
            self.route.model.provider(),
            self.route.model.model()
        )
    }

    /// One attempt: through the breaker, then up to the first event under the deadline.
    pub(super) async fn attempt(
        &self,
        request: &ChatRequest,
        deadline: Instant,
        log: &Mutex<Vec<Attempt>>,
    ) -> Result<EventStream, OpenError> {
        let started = Instant::now();
        let record = |outcome: String| self.record(log, started, outcome);
        let permit = match self.breaker.try_acquire() {
            Ok(permit) => permit,
            Err(refused) => {
                record("circuit open".to_owned());
                return Err(OpenError::CircuitOpen {
                    provider: self.label(),
                    retry_in: refused.retry_in,
                });
            }
        };
        let first = first_event(self.route.model.as_ref(), request);
        match tokio::time::timeout_at(deadline, first).await {
            Ok(Ok(stream)) => {
                record("ok".to_owned());
                Ok(watch(stream, permit))
            }
            Ok(Err(e)) => {
                let text = e.to_string();
                record(text.clone());
                if is_transient(&e) {
                    permit.failure(&text);
                }
                Err(OpenError::Model(e))
            }
            Err(_) => {
                let text = OpenError::Timeout.to_string();
                record(text.clone());
                // Dropping the attempt's future closed the upstream request.
                permit.failure(&text);
                Err(OpenError::Timeout)
            }
        }
    }
}

pub(super) fn take(log: &Mutex<Vec<Attempt>>) -> Vec<Attempt> {
    std::mem::take(&mut *log.lock().unwrap_or_else(|e| e.into_inner()))
}

/// The provider's stream, once its first event has arrived (an error or an end before it is
/// the attempt's failure).
async fn first_event(
    model: &dyn ChatModel,
    request: &ChatRequest,
) -> Result<EventStream, LlmError> {
    let mut stream = model.stream(request).await?;
    match stream.next().await {
        Some(Ok(event)) => Ok(futures::stream::iter([Ok(event)]).chain(stream).boxed()),
        Some(Err(e)) => Err(e),
        None => Err(LlmError::Protocol(
            "the stream ended before its first event".into(),
        )),
    }
}

/// Keeps a fallback's slot (if it took one) until the reply's stream is dropped.
pub(super) fn hold(stream: EventStream, slot: Option<OwnedSemaphorePermit>) -> EventStream {
    match slot {
        None => stream,
        Some(slot) => stream
            .map(move |item| {
                let _held = &slot;
                item
            })
            .boxed(),
    }
}

/// Settles the breaker's permit with how the reply ends: its final event is a success, a
/// transient error a failure; a reply dropped midway (cancelled, timed out) is no verdict.
fn watch(stream: EventStream, permit: Permit) -> EventStream {
    let mut permit = Some(permit);
    stream
        .map(move |item| {
            match &item {
                Ok(StreamEvent::Done { .. }) => {
                    if let Some(p) = permit.take() {
                        p.success();
                    }
                }
                Err(e) => {
                    if let Some(p) = permit.take() {
                        if is_transient(e) {
                            p.failure(&e.to_string());
                        }
                    }
                }
                Ok(_) => {}
            }
            item
        })
        .boxed()
}
