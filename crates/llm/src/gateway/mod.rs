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
use crate::budget::{BudgetError, BudgetStore, Opening, Payer, Scope};
use crate::pricing::{Nanos, Pricing};
use crate::provider::{ChatModel, LlmError};
use crate::resilience::{BreakerStatus, Chain, Failed, OpenError, ResilienceConfig, Route};
use crate::trace::{CallStatus, NewTrace, TraceStore};
use crate::types::{ChatRequest, FinishReason, ToolCall, Usage};
use records::Collected;
use rehearse_db::{error_chain, now_ms, Db, DbError};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use unopened::Unopened;

pub use embed_lanes::{Lane, BACKGROUND_SLOTS, INTERACTIVE_SLOTS};
pub use embeddings::{EmbedContext, EmbedderLoader, Embeddings};

mod admission;
mod embed_lanes;
mod embeddings;
mod pump;
mod records;
mod unopened;

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
    /// How long this call may wait in line for a model slot, when shorter than the configured
    /// wait (None: the configured wait). A call with a ready fallback waits little.
    pub slot_wait: Option<Duration>,
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
        GatewayError::Storage(error_chain(&e))
    }
}

/// An opening the budget refused, as the caller sees it, with the status its trace ends with:
/// over budget for a ceiling, an error for a database failure. Nothing was reserved either way.
fn refused(e: BudgetError) -> (CallStatus, GatewayError) {
    match e {
        BudgetError::CeilingReached { scope, used, limit } => (
            CallStatus::OverBudget,
            GatewayError::CeilingReached { scope, used, limit },
        ),
        BudgetError::Db(db) => (CallStatus::Error, db.into()),
    }
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
                Route {
                    model,
                    pricing,
                    admission: None,
                },
                Vec::new(),
                ResilienceConfig::OFF,
            )),
            limits,
            budget,
            traces: TraceStore::new(db),
            admission: Arc::new(Admission::new(AdmissionConfig::UNLIMITED)),
        }
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

    /// The embedding model behind this gateway's ceilings and traces (see [`Embeddings`]).
    pub fn embeddings(&self, pricing: Pricing, loader: EmbedderLoader) -> Embeddings {
        Embeddings::with_stores(self.budget.clone(), self.traces.clone(), pricing, loader)
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
        let payer = Payer {
            user_id: ctx.user_id.clone(),
            interview_id: ctx.interview_id.clone(),
        };
        let estimate = self.chain.worst_case(&request);
        // The trace row and the reservation are one write, shared with the calls opening at
        // the same moment (group commit): a crowd of calls does not queue a commit each.
        let opening = Opening {
            call_id: call_id.clone(),
            payer,
            amount: estimate,
            trace: NewTrace {
                id: call_id.clone(),
                started_at,
                user_id: ctx.user_id.clone(),
                interview_id: ctx.interview_id.clone(),
                step: ctx.step.clone(),
                provider: self.model().provider().to_owned(),
                model: self.model().model().to_owned(),
                prompt_version: ctx.prompt_version.clone(),
                request_json,
                context_ids_json,
                screening_json,
            },
        };
        if let Err(e) = self.budget.open(opening).await {
            let (status, error) = refused(e);
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
        let slot = match self.admission.admit_within(ctx.slot_wait).await {
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
                    OpenError::Busy {
                        busy,
                        retry_after_secs,
                        ..
                    } => (
                        CallStatus::Error,
                        GatewayError::Busy {
                            reason: busy,
                            retry_after_secs,
                        },
                    ),
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
}
