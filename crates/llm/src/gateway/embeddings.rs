//! Embedding calls through the same choke point as chat calls. A paid embeddings endpoint costs
//! money per token like a chat model does, and an ingestion of a long job description is many
//! calls; so each call reserves its estimated cost against the ceilings before it is made
//! (refused when one would be passed), leaves a trace (provider, model, inputs, latency,
//! tokens, cost, outcome) and settles its actual cost after. The raw embedding model is held
//! here and nowhere else: the knowledge base and the report's scoring only see [`Embeddings`].
//!
//! The trace records how many texts were embedded and their size, never the texts: a
//! question's embedding carries no user, so a candidate's erasure could not find it.

use super::embed_lanes::{Lane, Lanes};
use super::records::{end_trace, Collected, Served};
use super::{refused, CallContext, GatewayError};
use crate::budget::{BudgetStore, Opening, Payer};
use crate::embed::Embedder;
use crate::pricing::{estimate_text_tokens, Nanos, Pricing};
use crate::trace::{CallStatus, NewTrace, TraceStore};
use crate::types::Usage;
use rehearse_db::{now_ms, Db};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::OnceCell;

/// Builds the embedding model; blocking (it runs on a blocking thread). Loading MiniLM costs
/// memory and time that most requests and tests never need, so it happens on the first call.
pub type EmbedderLoader = Arc<dyn Fn() -> Result<Arc<dyn Embedder>, String> + Send + Sync>;

/// The embedding model behind the budget and the traces. Cheap to clone; clones share the
/// loaded model.
#[derive(Clone)]
pub struct Embeddings {
    loader: EmbedderLoader,
    loaded: Arc<OnceCell<Arc<dyn Embedder>>>,
    pricing: Pricing,
    budget: Arc<BudgetStore>,
    traces: TraceStore,
    lanes: Arc<Lanes>,
}

/// What one embedding call is charged to and traced as.
#[derive(Debug, Clone, Default)]
pub struct EmbedContext {
    pub user_id: Option<String>,
    pub interview_id: Option<String>,
    /// Why the texts are embedded (`embed_chunks`, `embed_question`, ...), for traces.
    pub step: String,
    /// Which lane the call waits in (interactive unless said otherwise).
    pub lane: Lane,
}

impl EmbedContext {
    /// A call charged to no user or interview (the global daily ceiling only): ingestion, and
    /// questions about a role, which the knowledge base answers without knowing who asked.
    pub fn unattributed(step: &str) -> Self {
        EmbedContext {
            step: step.to_owned(),
            ..Default::default()
        }
    }

    /// [`EmbedContext::unattributed`] in the background lane: ingestion, which must never
    /// make a candidate's question wait.
    pub fn background(step: &str) -> Self {
        EmbedContext {
            lane: Lane::Background,
            ..Self::unattributed(step)
        }
    }
}

impl From<&CallContext> for EmbedContext {
    fn from(ctx: &CallContext) -> Self {
        EmbedContext {
            user_id: ctx.user_id.clone(),
            interview_id: ctx.interview_id.clone(),
            step: ctx.step.clone(),
            lane: Lane::Interactive,
        }
    }
}

impl Embeddings {
    /// `pricing.input_usd_per_mtok` is the price of embedded tokens (embeddings have no output).
    /// Standalone, for a process without a chat gateway (benchmarks, the knowledge base's own
    /// tests); the server takes it from its gateway ([`super::Gateway::embeddings`]).
    pub fn new(
        db: &Db,
        budget: Arc<BudgetStore>,
        pricing: Pricing,
        loader: EmbedderLoader,
    ) -> Self {
        Self::with_stores(budget, TraceStore::new(db), pricing, loader)
    }

    pub(super) fn with_stores(
        budget: Arc<BudgetStore>,
        traces: TraceStore,
        pricing: Pricing,
        loader: EmbedderLoader,
    ) -> Self {
        Embeddings {
            loader,
            loaded: Arc::new(OnceCell::new()),
            pricing,
            budget,
            traces,
            lanes: Arc::new(Lanes::default()),
        }
    }

    /// Embedding calls waiting for a slot in `lane` now (the ops page's gauge; tests).
    pub fn waiting(&self, lane: Lane) -> usize {
        self.lanes.waiting(lane)
    }

    /// Embedding calls running in `lane` now.
    pub fn running(&self, lane: Lane) -> usize {
        self.lanes.running(lane)
    }

    async fn model(&self) -> Result<&Arc<dyn Embedder>, GatewayError> {
        self.loaded
            .get_or_try_init(|| async {
                let loader = self.loader.clone();
                tokio::task::spawn_blocking(move || loader())
                    .await
                    .map_err(|e| format!("loading the embedding model failed: {e}"))?
            })
            .await
            .map_err(|e| GatewayError::Model(crate::LlmError::Unavailable(e)))
    }

    /// Loads the model if it is not loaded yet, so a failure to load shows at start-up.
    pub async fn ready(&self) -> Result<(), GatewayError> {
        self.model().await.map(|_| ())
    }

    /// The model's id (part of the key its vectors are cached under).
    pub async fn model_name(&self) -> Result<String, GatewayError> {
        Ok(self.model().await?.model().to_owned())
    }

    pub async fn dimensions(&self) -> Result<usize, GatewayError> {
        Ok(self.model().await?.dimensions())
    }

    /// One unit-length vector per text, in order, with the call charged and traced. The call
    /// runs on its own task: a caller that stops waiting (Stop pressed mid-turn) does not cut
    /// it short, so its cost and trace are always completed.
    pub async fn embed(
        &self,
        ctx: EmbedContext,
        texts: &[String],
    ) -> Result<Vec<Vec<f32>>, GatewayError> {
        let model = self.model().await?.clone();
        let this = self.clone();
        let texts = texts.to_vec();
        tokio::spawn(async move { this.call(model, ctx, texts).await })
            .await
            .map_err(|e| GatewayError::Storage(format!("embedding task failed: {e}")))?
    }

    async fn call(
        &self,
        model: Arc<dyn Embedder>,
        ctx: EmbedContext,
        texts: Vec<String>,
    ) -> Result<Vec<Vec<f32>>, GatewayError> {
        let call_id = uuid::Uuid::new_v4().to_string();
        let lane = ctx.lane;
        let chars: usize = texts.iter().map(|t| t.chars().count()).sum();
        let estimate: u64 = texts.iter().map(|t| estimate_text_tokens(t)).sum();
        let opening = Opening {
            call_id: call_id.clone(),
            payer: Payer {
                user_id: ctx.user_id.clone(),
                interview_id: ctx.interview_id.clone(),
            },
            amount: self.pricing.cost(Usage {
                prompt_tokens: estimate,
                completion_tokens: 0,
            }),
            trace: NewTrace {
                id: call_id.clone(),
                started_at: now_ms(),
                user_id: ctx.user_id,
                interview_id: ctx.interview_id,
                step: ctx.step,
                provider: model.provider().to_owned(),
                model: model.model().to_owned(),
                prompt_version: None,
                request_json: serde_json::json!({ "texts": texts.len(), "chars": chars })
                    .to_string(),
                context_ids_json: "[]".to_owned(),
                screening_json: "[]".to_owned(),
            },
        };
        let clock = Instant::now();
        if let Err(e) = self.budget.open(opening).await {
            // Refused (or not written): nothing was reserved, so only the trace is ended.
            let (status, error) = refused(e);
            let failed = Collected::default();
            self.complete_trace(
                &call_id,
                &*model,
                status,
                clock,
                &failed,
                0,
                Some(&error.to_string()),
            )
            .await;
            return Err(error);
        }
        let embedded = match self.lanes.slot(lane).await {
            Ok(_slot) => model.embed_counted(&texts).await,
            Err(busy) => Err(crate::LlmError::Unavailable(busy.to_string())),
        };
        match embedded {
            Ok((vectors, reported)) => {
                let usage = Usage {
                    prompt_tokens: reported.unwrap_or(estimate),
                    completion_tokens: 0,
                };
                let cost = self.pricing.cost(usage);
                let got = Collected {
                    output: format!(
                        "{} vectors of {} dimensions",
                        vectors.len(),
                        model.dimensions()
                    ),
                    usage: Some(usage),
                    ..Collected::default()
                };
                self.settle(&call_id, cost).await;
                self.complete_trace(&call_id, &*model, CallStatus::Ok, clock, &got, cost, None)
                    .await;
                Ok(vectors)
            }
            Err(e) => {
                let error = GatewayError::Model(e);
                self.settle(&call_id, 0).await;
                let failed = Collected::default();
                self.complete_trace(
                    &call_id,
                    &*model,
                    CallStatus::Error,
                    clock,
                    &failed,
                    0,
                    Some(&error.to_string()),
                )
                .await;
                Err(error)
            }
        }
    }

    /// Replaces the call's reservation with its actual cost.
    async fn settle(&self, call_id: &str, cost: Nanos) {
        if let Err(e) = self.budget.settle(call_id, cost).await {
            tracing::error!(error = %e, call_id, "could not settle an embedding call");
        }
    }

    /// Completes the trace: embedding calls make one attempt, on this model, and call no tools.
    #[allow(clippy::too_many_arguments)]
    async fn complete_trace(
        &self,
        call_id: &str,
        model: &dyn Embedder,
        status: CallStatus,
        clock: Instant,
        got: &Collected,
        cost: Nanos,
        error: Option<&str>,
    ) {
        let served = Served {
            provider: model.provider(),
            model: model.model(),
            attempts_json: "[]".to_owned(),
        };
        let latency = clock.elapsed().as_millis() as i64;
        end_trace(
            &self.traces,
            call_id,
            status,
            got,
            latency,
            None,
            cost,
            error,
            &served,
        )
        .await;
    }
}
