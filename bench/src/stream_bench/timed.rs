//! A provider wrapper that notes, per call, when the gateway handed the request to the provider
//! and when the provider's first token came back. With the caller's own clock (call started,
//! first token out of the gateway) that splits the time to first token into what the upstream
//! took and what the gateway added before the request left and after the token arrived, per
//! call, instead of as a difference between two runs against an upstream whose own times vary.

use futures::StreamExt;
use rehearse_llm::provider::{ChatModel, EventStream, LlmError};
use rehearse_llm::{ChatRequest, StreamEvent};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// When one call reached the provider, and when its first token came back from it.
#[derive(Debug, Clone, Copy)]
pub struct Seen {
    pub sent: Instant,
    pub first_token: Option<Instant>,
}

impl Seen {
    /// Microseconds from the caller's start (`clock`) until the request reached the provider:
    /// admission, the opening write, the provider chain.
    pub fn before_request_us(&self, clock: Instant) -> u128 {
        self.sent.duration_since(clock).as_micros()
    }

    /// Microseconds from the provider's first token until it left the gateway (`first`, by the
    /// caller's clock): the pump and the channel. None when no token came back.
    pub fn after_first_token_us(&self, first: Instant) -> Option<u128> {
        self.first_token
            .map(|token| first.duration_since(token).as_micros())
    }
}

/// Wraps a provider; each request names its call in its last message (`#<n>` at the end).
pub struct Timed {
    inner: Arc<dyn ChatModel>,
    seen: Arc<Mutex<HashMap<usize, Seen>>>,
}

impl Timed {
    pub fn new(inner: Arc<dyn ChatModel>) -> Self {
        Timed {
            inner,
            seen: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// What the provider saw of call `n`.
    pub fn seen(&self, n: usize) -> Option<Seen> {
        self.seen.lock().ok()?.get(&n).copied()
    }
}

/// The call number a request carries at the end of its last message.
fn call_number(request: &ChatRequest) -> Option<usize> {
    let last = request.messages.last()?;
    last.content.rsplit_once('#')?.1.trim().parse().ok()
}

#[async_trait::async_trait]
impl ChatModel for Timed {
    fn provider(&self) -> &str {
        self.inner.provider()
    }

    fn model(&self) -> &str {
        self.inner.model()
    }

    async fn stream(&self, request: &ChatRequest) -> Result<EventStream, LlmError> {
        let n = call_number(request);
        let sent = Instant::now();
        if let (Some(n), Ok(mut seen)) = (n, self.seen.lock()) {
            seen.insert(
                n,
                Seen {
                    sent,
                    first_token: None,
                },
            );
        }
        let stream = self.inner.stream(request).await?;
        let seen = self.seen.clone();
        let mut noted = false;
        Ok(stream
            .inspect(move |event| {
                if !noted && matches!(event, Ok(StreamEvent::Token(_))) {
                    noted = true;
                    if let (Some(n), Ok(mut seen)) = (n, seen.lock()) {
                        if let Some(s) = seen.get_mut(&n) {
                            s.first_token = Some(Instant::now());
                        }
                    }
                }
            })
            .boxed())
    }
}

/// Microseconds each of `n` call openings (trace row and reservation, nothing else) took when
/// all were started at once on a fresh SQLite database: the write the gateway waits for before
/// a request leaves, apart from the HTTP work that shares the two cores with it.
pub async fn openings_alone(n: usize) -> anyhow::Result<Vec<u128>> {
    use rehearse_llm::budget::{BudgetStore, DefaultCeilings, Opening, Payer};
    use rehearse_llm::pricing::usd_to_nanos;
    use rehearse_llm::testing::test_trace;
    use rehearse_llm::trace::NewTrace;
    let (_dir, db) = super::fresh_db("openings").await?;
    let budget = Arc::new(BudgetStore::new(
        &db,
        DefaultCeilings {
            interview: usd_to_nanos(1_000.0),
            user_day: usd_to_nanos(1_000.0),
            global_day: usd_to_nanos(1_000.0),
        },
    ));
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let budget = budget.clone();
            tokio::spawn(async move {
                let id = format!("opening-{i}");
                let clock = Instant::now();
                let opened = budget
                    .open(Opening {
                        call_id: id.clone(),
                        payer: Payer {
                            user_id: Some(format!("bench-user-{i}")),
                            interview_id: Some(format!("bench-{i}")),
                        },
                        amount: 1_000,
                        trace: NewTrace {
                            step: "question".into(),
                            provider: "openai".into(),
                            model: "ok".into(),
                            ..test_trace(id)
                        },
                    })
                    .await;
                opened.ok().map(|()| clock.elapsed().as_micros())
            })
        })
        .collect();
    let mut times = Vec::new();
    for t in futures::future::join_all(tasks).await {
        times.extend(t.ok().flatten());
    }
    db.close().await;
    Ok(times)
}
