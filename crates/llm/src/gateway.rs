//! The single choke point every model call passes.
//!
//! In order, for each call: cap the reply tokens; offer the model only the tools on the
//! caller's allow-list; reserve the worst-case cost against every ceiling (refusing the call
//! before it is made when one would be passed); open a trace; stream the reply through a
//! bounded channel under a first-token timeout and a total timeout, refusing any tool call
//! outside the allow-list; then settle the actual cost and complete the trace. A caller that
//! drops the receiver cancels the call: the provider stream is dropped, which aborts the
//! upstream request, and the trace says `cancelled`.

use crate::budget::{BudgetError, BudgetStore, Payer, Scope};
use crate::pricing::{estimate_prompt_tokens, estimate_text_tokens, Nanos, Pricing};
use crate::provider::{ChatModel, LlmError};
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

/// Channel capacity between the provider stream and the caller: bounded, so a slow reader
/// slows the model down instead of growing memory.
const EVENT_BUFFER: usize = 64;

#[derive(Clone)]
pub struct Gateway {
    model: Arc<dyn ChatModel>,
    pricing: Pricing,
    limits: Limits,
    budget: Arc<BudgetStore>,
    traces: TraceStore,
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
            model,
            pricing,
            limits,
            budget,
            traces: TraceStore::new(db),
        }
    }

    pub fn model(&self) -> &dyn ChatModel {
        self.model.as_ref()
    }

    pub fn pricing(&self) -> Pricing {
        self.pricing
    }

    pub fn traces(&self) -> &TraceStore {
        &self.traces
    }

    pub fn budget(&self) -> &BudgetStore {
        &self.budget
    }

    /// Starts a call. Budget refusals and failures before the first byte return here; the
    /// trace is written either way.
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
                provider: self.model.provider(),
                model: self.model.model(),
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
        let estimate = self.pricing.worst_case(&request);
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
                0,
                Some(&error.to_string()),
            )
            .await;
            return Err(error);
        }

        let clock = Instant::now();
        let stream = match tokio::time::timeout(
            self.limits.first_token_timeout,
            self.model.stream(&request),
        )
        .await
        {
            Ok(Ok(stream)) => stream,
            Ok(Err(e)) => {
                self.fail_before_stream(
                    &call_id,
                    CallStatus::Error,
                    GatewayError::Model(e.clone()),
                    clock,
                )
                .await;
                return Err(GatewayError::Model(e));
            }
            Err(_) => {
                let e = GatewayError::Timeout(TimeoutPhase::FirstToken);
                self.fail_before_stream(&call_id, CallStatus::Timeout, e.clone(), clock)
                    .await;
                return Err(e);
            }
        };

        let (tx, rx) = mpsc::channel(EVENT_BUFFER);
        let gateway = self.clone();
        let id = call_id.clone();
        let outcome =
            tokio::spawn(async move { gateway.pump(id, ctx, request, stream, tx, clock).await });
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
        error: GatewayError,
        clock: Instant,
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
            0,
            Some(&error.to_string()),
        )
        .await;
    }

    async fn pump(
        &self,
        call_id: String,
        ctx: CallContext,
        request: ChatRequest,
        mut stream: crate::provider::EventStream,
        tx: mpsc::Sender<GatewayEvent>,
        clock: Instant,
    ) -> Result<CallSummary, GatewayError> {
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
            let next = match tokio::time::timeout_at(limit, stream.next()).await {
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
        let cost = self.pricing.cost(usage);
        if let Err(e) = self.budget.settle(&call_id, cost).await {
            tracing::error!(error = %e, call_id = %call_id, "could not settle a call's cost");
        }
        let latency = clock.elapsed().as_millis() as i64;
        got.usage = Some(usage);
        match result {
            Ok(()) => {
                self.finish_trace_with(&call_id, CallStatus::Ok, &got, latency, ttft, cost, None)
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
                )
                .await;
                Err(error)
            }
        }
    }

    async fn finish_trace(
        &self,
        id: &str,
        status: CallStatus,
        got: &Collected,
        latency: i64,
        cost: Nanos,
        error: Option<&str>,
    ) {
        self.finish_trace_with(id, status, got, latency, None, cost, error)
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
    ) {
        let usage = got.usage.unwrap_or_default();
        let end = TraceEnd {
            status,
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

#[derive(Debug, Default)]
struct Collected {
    output: String,
    tool_calls: Vec<ToolCall>,
    refused: Vec<ToolCall>,
    usage: Option<Usage>,
    finish: FinishReason,
}
