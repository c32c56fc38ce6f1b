//! The single choke point every model call passes.
//!
//! In order, for each call: cap the reply tokens; offer the model only the tools on the
//! caller's allow-list; reserve the worst-case cost against every ceiling (refusing the call
//! before it is made when one would be passed); open a trace; open the reply through the
//! provider chain under the first-token deadline (retries before the first token, a circuit
//! breaker per provider, fallbacks: [`crate::resilience`]); stream it through a bounded channel
//! under the total timeout, refusing any tool call outside the allow-list; then settle the
//! actual cost (at the prices of the provider that answered) and complete the trace, which
//! names that provider and lists every attempt. A caller that drops the receiver cancels the
//! call: the provider stream is dropped, which aborts the upstream request, and the trace says
//! `cancelled`.

use crate::admission::{Admission, AdmissionConfig};
use crate::budget::{BudgetError, BudgetStore, Payer, Scope};
use crate::pricing::{estimate_prompt_tokens, estimate_text_tokens, Nanos, Pricing};
use crate::provider::{ChatModel, LlmError};
use crate::resilience::{
    Attempt, BreakerStatus, Chain, Failed, OpenError, Opened, ResilienceConfig, Route,
};
use crate::trace::{CallStatus, TraceEnd, TraceStart, TraceStore};
use crate::types::{ChatRequest, FinishReason, StreamEvent, ToolCall, Usage};
use futures::StreamExt;
use rehearse_db::{now_ms, Db, DbError};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Per-call limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_reply_tokens: u32,
    pub first_token_timeout: Duration,
    pub call_timeout: Duration,
}

/// Who is calling, why, and what they may use.
#[derive(Debug, Clone, Default)]
pub struct CallContext {
    pub user_id: Option<String>,
    pub interview_id: Option<String>,
    /// The orchestration step ("question", "follow_up", "summary", ...), for traces.
    pub step: String,
    pub prompt_version: Option<String>,
    /// Tool names this agent may call; anything else is refused and recorded.
    pub allowed_tools: Vec<String>,
    /// Ids of retrieved context sent with the call, for traces.
    pub context_ids: Vec<String>,
    /// Screening flags of content withheld from the prompt, for traces.
    pub screening: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeoutPhase {
    FirstToken,
    Call,
    Turn,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum GatewayError {
    #[error("{scope} is used up")]
    CeilingReached {
        scope: Scope,
        used: Nanos,
        limit: Nanos,
    },
    #[error("the model took too long ({0:?})")]
    Timeout(TimeoutPhase),
    /// Every model slot is taken and the line for one is full, or the wait in it ran out: the
    /// call was not made. Try again after `retry_after_secs`.
    #[error("the model is busy ({reason}); try again in {retry_after_secs} s")]
    Busy {
        reason: crate::admission::Busy,
        retry_after_secs: u32,
    },
    /// The provider's circuit breaker is open (it failed repeatedly) and no fallback answered:
    /// the call was not made.
    #[error("the model provider {provider} is failing; calls to it are paused for a moment")]
    CircuitOpen { provider: String },
    #[error(transparent)]
    Model(#[from] LlmError),
    #[error("storage failed: {0}")]
    Storage(String),
}

impl From<DbError> for GatewayError {
    fn from(e: DbError) -> Self {
        GatewayError::Storage(chain(&e))
    }
}

/// An error with its causes, for logs and traces.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// What the caller receives while a call streams.
#[derive(Debug, Clone, PartialEq)]
pub enum GatewayEvent {
    Token(String),
    ToolCall(ToolCall),
    /// A call to a tool outside the allow-list; it was not passed on.
    ToolRefused(ToolCall),
}

/// The result of a finished call.
#[derive(Debug, Clone, PartialEq)]
pub struct CallSummary {
    pub call_id: String,
    pub output: String,
    pub tool_calls: Vec<ToolCall>,
    pub refused_tools: Vec<ToolCall>,
    pub usage: Usage,
    pub cost: Nanos,
    pub finish: FinishReason,
}

/// A call in flight: events arrive on `events`; `outcome` resolves when the call ends.
pub struct CallHandle {
    pub call_id: String,
    pub events: mpsc::Receiver<GatewayEvent>,
    pub outcome: tokio::task::JoinHandle<Result<CallSummary, GatewayError>>,
}

/// A call whose reply has not opened yet. Dropped armed (the caller stopped waiting), it
/// completes the call's records in the background: the trace `cancelled`, the reservation
/// settled at nothing (no reply was received, so none is charged).
struct Unopened {
    gateway: Option<Gateway>,
    call_id: String,
    clock: Instant,
}

impl Unopened {
    fn disarm(&mut self) {
        self.gateway = None;
    }
}

impl Drop for Unopened {
    fn drop(&mut self) {
        let Some(gateway) = self.gateway.take() else {
            return;
        };
        let call_id = std::mem::take(&mut self.call_id);
        let clock = self.clock;
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    gateway
                        .fail_before_stream(
                            &call_id,
                            CallStatus::Cancelled,
                            "stopped before the first token",
                            clock,
                            &[],
                        )
                        .await;
                });
            }
            Err(_) => tracing::warn!(
                call_id,
                "a call dropped outside the runtime stays running in its trace"
            ),
        }
    }
}

/// Channel capacity between the provider stream and the caller: bounded, so a slow reader
/// slows the model down instead of growing memory.
const EVENT_BUFFER: usize = 64;

#[derive(Clone)]
pub struct Gateway {
    /// The primary provider, then the fallbacks; shared by clones, breakers included.
    chain: Arc<Chain>,
    limits: Limits,
    budget: Arc<BudgetStore>,
    traces: TraceStore,
    /// Slots and the line for them, shared by clones.
    admission: Arc<Admission>,
}

impl Gateway {
    pub fn new(
        db: &Db,
        model: Arc<dyn ChatModel>,
        pricing: Pricing,
        limits: Limits,
        budget: Arc<BudgetStore>,
    ) -> Self {
        Gateway {
            chain: Arc::new(Chain::new(
                Route { model, pricing },
                Vec::new(),
                ResilienceConfig::OFF,
            )),
            limits,
            budget,
            traces: TraceStore::new(db),
            admission: Arc::new(Admission::new(AdmissionConfig::UNLIMITED)),
        }
    }

    /// Limits calls running at once and the line behind them (see [`crate::admission`]).
    /// Without it calls are not limited, as in tests of other rules.
    pub fn with_admission(mut self, config: AdmissionConfig) -> Self {
        self.admission = Arc::new(Admission::new(config));
        self
    }

    /// `Some(seconds to wait)` when a call arriving now would be refused as busy.
    pub fn busy(&self) -> Option<u32> {
        self.admission
            .is_full()
            .then(|| self.admission.retry_after_secs())
    }

    /// Retries, circuit breakers and fallback providers (tried in order after the primary).
    /// Without it a call makes one attempt on the primary, as in tests of other rules.
    pub fn with_resilience(mut self, config: ResilienceConfig, fallbacks: Vec<Route>) -> Self {
        let primary = self.chain.primary().clone();
        self.chain = Arc::new(Chain::new(primary, fallbacks, config));
        self
    }

    /// The primary model.
    fn model(&self) -> &dyn ChatModel {
        self.chain.primary().model.as_ref()
    }

    /// The primary provider's name (`local`, `openai`, `anthropic`), for admin pages. The
    /// model itself is never handed out: every call goes through [`Gateway::start`].
    pub fn provider_name(&self) -> &str {
        self.model().provider()
    }

    /// The primary model's id, for admin pages.
    pub fn model_name(&self) -> &str {
        self.model().model()
    }

    /// The primary model's prices.
    pub fn pricing(&self) -> Pricing {
        self.chain.primary().pricing
    }

    /// Each provider's circuit breaker, the primary first (for the admin view).
    pub fn breakers(&self) -> Vec<BreakerStatus> {
        self.chain.breakers()
    }

    pub fn traces(&self) -> &TraceStore {
        &self.traces
    }

    pub fn budget(&self) -> &BudgetStore {
        &self.budget
    }

    /// Starts a call. Budget refusals and failures before the first event (once retries and
    /// fallbacks are spent) return here; the trace is written either way.
    pub async fn start(
        &self,
        ctx: CallContext,
        mut request: ChatRequest,
    ) -> Result<CallHandle, GatewayError> {
        request.max_tokens = request.max_tokens.clamp(1, self.limits.max_reply_tokens);
        request
            .tools
            .retain(|t| ctx.allowed_tools.contains(&t.name));
        let call_id = uuid::Uuid::new_v4().to_string();
        let started_at = now_ms();
        let request_json = serde_json::to_string(&request).unwrap_or_default();
        let context_ids_json = serde_json::to_string(&ctx.context_ids).unwrap_or_default();
        let screening_json = serde_json::to_string(&ctx.screening).unwrap_or_default();
        self.traces
            .start(TraceStart {
                id: &call_id,
                started_at,
                user_id: ctx.user_id.as_deref(),
                interview_id: ctx.interview_id.as_deref(),
                step: &ctx.step,
                provider: self.model().provider(),
                model: self.model().model(),
                prompt_version: ctx.prompt_version.as_deref(),
                request_json: &request_json,
                context_ids_json: &context_ids_json,
                screening_json: &screening_json,
            })
            .await?;

        let payer = Payer {
            user_id: ctx.user_id.clone(),
            interview_id: ctx.interview_id.clone(),
        };
        let estimate = self.chain.worst_case(&request);
        if let Err(e) = self.budget.reserve(&call_id, &payer, estimate).await {
            let (status, error) = match &e {
                BudgetError::CeilingReached { scope, used, limit } => (
                    CallStatus::OverBudget,
                    GatewayError::CeilingReached {
                        scope: *scope,
                        used: *used,
                        limit: *limit,
                    },
                ),
                BudgetError::Db(db) => (CallStatus::Error, GatewayError::Storage(chain(db))),
            };
            self.finish_trace(
                &call_id,
                status,
                &Collected::default(),
                0,
                &[],
                Some(&error.to_string()),
            )
            .await;
            return Err(error);
        }

        let clock = Instant::now();
        // From here until the reply opens, a caller that gives up (Stop pressed while the
        // provider has not answered) drops this future; the guard then ends the trace as
        // cancelled and releases the reservation, and dropping the open request aborts it.
        let mut unopened = Unopened {
            gateway: Some(self.clone()),
            call_id: call_id.clone(),
            clock,
        };
        let slot = match self.admission.admit().await {
            Ok(slot) => slot,
            Err(reason) => {
                unopened.disarm();
                let error = GatewayError::Busy {
                    reason,
                    retry_after_secs: self.admission.retry_after_secs(),
                };
                self.fail_before_stream(
                    &call_id,
                    CallStatus::Error,
                    &error.to_string(),
                    clock,
                    &[],
                )
                .await;
                return Err(error);
            }
        };
        // The first-token deadline counts from the slot: the wait in line has its own bound.
        let first_token_deadline = tokio::time::Instant::now() + self.limits.first_token_timeout;
        let opened = match self.chain.open(&request, first_token_deadline).await {
            Ok(opened) => {
                unopened.disarm();
                opened
            }
            Err(Failed { error, attempts }) => {
                let (status, error) = match error {
                    OpenError::Model(e) => (CallStatus::Error, GatewayError::Model(e)),
                    OpenError::Timeout => (
                        CallStatus::Timeout,
                        GatewayError::Timeout(TimeoutPhase::FirstToken),
                    ),
                    OpenError::CircuitOpen { provider, .. } => {
                        (CallStatus::Error, GatewayError::CircuitOpen { provider })
                    }
                };
                unopened.disarm();
                self.fail_before_stream(&call_id, status, &error.to_string(), clock, &attempts)
                    .await;
                return Err(error);
            }
        };

        let (tx, rx) = mpsc::channel(EVENT_BUFFER);
        let gateway = self.clone();
        let id = call_id.clone();
        let outcome = tokio::spawn(async move {
            // The slot is held until the reply has ended.
            let _slot = slot;
            gateway.pump(id, ctx, request, opened, tx, clock).await
        });
        Ok(CallHandle {
            call_id,
            events: rx,
            outcome,
        })
    }

    /// Runs a call to the end, collecting its output.
    pub async fn complete(
        &self,
        ctx: CallContext,
        request: ChatRequest,
    ) -> Result<CallSummary, GatewayError> {
        let mut handle = self.start(ctx, request).await?;
        while handle.events.recv().await.is_some() {}
        handle
            .outcome
            .await
            .map_err(|e| GatewayError::Storage(format!("call task failed: {e}")))?
    }

    async fn fail_before_stream(
        &self,
        call_id: &str,
        status: CallStatus,
        error: &str,
        clock: Instant,
        attempts: &[Attempt],
    ) {
        if let Err(e) = self.budget.settle(call_id, 0).await {
            tracing::error!(error = %e, call_id, "could not settle a failed call");
        }
        let latency = clock.elapsed().as_millis() as i64;
        self.finish_trace(
            call_id,
            status,
            &Collected::default(),
            latency,
            attempts,
            Some(error),
        )
        .await;
    }

    async fn pump(
        &self,
        call_id: String,
        ctx: CallContext,
        request: ChatRequest,
        opened: Opened,
        tx: mpsc::Sender<GatewayEvent>,
        clock: Instant,
    ) -> Result<CallSummary, GatewayError> {
        let route = self.chain.route(opened.route);
        let served = Served {
            provider: route.model.provider(),
            model: route.model.model(),
            attempts_json: attempts_json(&opened.attempts),
        };
        let mut stream = opened.stream;
        let deadline = tokio::time::Instant::now() + self.limits.call_timeout;
        let first_deadline = tokio::time::Instant::now() + self.limits.first_token_timeout;
        let mut got = Collected::default();
        let mut ttft: Option<i64> = None;
        let result: Result<(), (CallStatus, GatewayError)> = loop {
            let limit = if ttft.is_none() {
                first_deadline.min(deadline)
            } else {
                deadline
            };
            // A caller that stops reading (Stop pressed) cancels the call at once, not when the
            // provider sends its next token: a slow stream must not hold the turn.
            let next = tokio::select! {
                next = tokio::time::timeout_at(limit, stream.next()) => next,
                _ = tx.closed() => {
                    break Err((
                        CallStatus::Cancelled,
                        GatewayError::Model(LlmError::Unavailable("cancelled by the caller".into())),
                    ));
                }
            };
            let next = match next {
                Ok(next) => next,
                Err(_) => {
                    let phase = if ttft.is_none() {
                        TimeoutPhase::FirstToken
                    } else {
                        TimeoutPhase::Call
                    };
                    break Err((CallStatus::Timeout, GatewayError::Timeout(phase)));
                }
            };
            let event = match next {
                None => {
                    break Err((
                        CallStatus::Error,
                        GatewayError::Model(LlmError::Protocol(
                            "stream ended without a final event".into(),
                        )),
                    ))
                }
                Some(Err(e)) => break Err((CallStatus::Error, GatewayError::Model(e))),
                Some(Ok(event)) => event,
            };
            if ttft.is_none() {
                ttft = Some(clock.elapsed().as_millis() as i64);
            }
            let forward = match event {
                StreamEvent::Token(text) => {
                    got.output.push_str(&text);
                    GatewayEvent::Token(text)
                }
                StreamEvent::ToolCall(call) if ctx.allowed_tools.contains(&call.name) => {
                    got.tool_calls.push(call.clone());
                    GatewayEvent::ToolCall(call)
                }
                StreamEvent::ToolCall(call) => {
                    tracing::warn!(tool = %call.name, call_id = %call_id, "refused a tool call outside the allow-list");
                    got.refused.push(call.clone());
                    GatewayEvent::ToolRefused(call)
                }
                StreamEvent::Done { finish, usage } => {
                    got.finish = finish;
                    got.usage = usage;
                    break Ok(());
                }
            };
            if tx.send(forward).await.is_err() {
                break Err((
                    CallStatus::Cancelled,
                    GatewayError::Model(LlmError::Unavailable("cancelled by the caller".into())),
                ));
            }
        };
        drop(stream);
        drop(tx);

        let usage = got.usage.unwrap_or(Usage {
            prompt_tokens: estimate_prompt_tokens(&request),
            completion_tokens: estimate_text_tokens(&got.output),
        });
        let cost = route.pricing.cost(usage);
        if let Err(e) = self.budget.settle(&call_id, cost).await {
            tracing::error!(error = %e, call_id = %call_id, "could not settle a call's cost");
        }
        let latency = clock.elapsed().as_millis() as i64;
        got.usage = Some(usage);
        match result {
            Ok(()) => {
                self.finish_trace_with(
                    &call_id,
                    CallStatus::Ok,
                    &got,
                    latency,
                    ttft,
                    cost,
                    None,
                    &served,
                )
                .await;
                Ok(CallSummary {
                    call_id,
                    output: got.output,
                    tool_calls: got.tool_calls,
                    refused_tools: got.refused,
                    usage,
                    cost,
                    finish: got.finish,
                })
            }
            Err((status, error)) => {
                self.finish_trace_with(
                    &call_id,
                    status,
                    &got,
                    latency,
                    ttft,
                    cost,
                    Some(&error.to_string()),
                    &served,
                )
                .await;
                Err(error)
            }
        }
    }

    /// Completes the trace of a call that no provider answered: the primary is named, with
    /// whatever attempts were made.
    async fn finish_trace(
        &self,
        id: &str,
        status: CallStatus,
        got: &Collected,
        latency: i64,
        attempts: &[Attempt],
        error: Option<&str>,
    ) {
        let served = Served {
            provider: self.model().provider(),
            model: self.model().model(),
            attempts_json: attempts_json(attempts),
        };
        self.finish_trace_with(id, status, got, latency, None, 0, error, &served)
            .await;
    }

    #[allow(clippy::too_many_arguments)]
    async fn finish_trace_with(
        &self,
        id: &str,
        status: CallStatus,
        got: &Collected,
        latency: i64,
        ttft: Option<i64>,
        cost: Nanos,
        error: Option<&str>,
        served: &Served<'_>,
    ) {
        let usage = got.usage.unwrap_or_default();
        let end = TraceEnd {
            status,
            provider: served.provider,
            model: served.model,
            attempts_json: &served.attempts_json,
            output: &got.output,
            tool_calls_json: &serde_json::to_string(&got.tool_calls).unwrap_or_default(),
            refused_tools_json: &serde_json::to_string(&got.refused).unwrap_or_default(),
            ttft_ms: ttft,
            latency_ms: latency,
            prompt_tokens: usage.prompt_tokens as i64,
            completion_tokens: usage.completion_tokens as i64,
            cost_nanos: cost,
            error,
        };
        if let Err(e) = self.traces.end(id, end).await {
            tracing::error!(error = %e, call_id = id, "could not complete a trace");
        }
    }
}

/// The provider that answered a call (the primary when none did) and every attempt, for its
/// trace.
struct Served<'a> {
    provider: &'a str,
    model: &'a str,
    attempts_json: String,
}

fn attempts_json(attempts: &[Attempt]) -> String {
    serde_json::to_string(attempts).unwrap_or_else(|_| "[]".to_owned())
}

#[derive(Debug, Default)]
struct Collected {
    output: String,
    tool_calls: Vec<ToolCall>,
    refused: Vec<ToolCall>,
    usage: Option<Usage>,
    finish: FinishReason,
}
