//! Test fixtures for code that calls models: the one place tests build the gateway.
//!
//! Every model call passes the [`Gateway`], and tests of every crate need one (the gateway's
//! own rules, providers on the wire, the knowledge base's generative answers, the interview
//! service). Built here, with the prices, limits and cost ceilings most tests use, a change
//! to how a gateway is constructed is made once instead of once per test file. Like
//! [`crate::scripted`], it is never used by the running service.
//!
//! ```text
//! let gateway = TestGateway::new(&db).scripted(&model).limits(quick).build();
//! ```
//!
//! Also here, what tests of model calls keep writing: the scripted replies that misbehave in
//! time (late, stalled, trickling), a plain request, the trace row a call opens with, and a
//! call's or an interview's traces.

use crate::budget::{BudgetStore, DefaultCeilings};
use crate::gateway::{Gateway, Limits};
use crate::pricing::{usd_to_nanos, Pricing};
use crate::provider::ChatModel;
use crate::resilience::{ResilienceConfig, Route};
use crate::scripted::{Script, ScriptedModel, Step};
use crate::trace::{NewTrace, Trace};
use crate::types::{ChatMessage, ChatRequest};
use rehearse_db::Db;
use std::sync::Arc;
use std::time::Duration;

/// Prices that make cost visible in tests: 1 USD per million prompt tokens, 2 USD per million
/// reply tokens (a token costs 1,000 or 2,000 nano-dollars).
pub const TEST_PRICING: Pricing = Pricing {
    input_usd_per_mtok: 1.0,
    output_usd_per_mtok: 2.0,
};

/// Replies capped at 128 tokens, 10 s to the first token, 20 s for the whole call.
pub fn test_limits() -> Limits {
    Limits {
        max_reply_tokens: 128,
        first_token_timeout: Duration::from_secs(10),
        call_timeout: Duration::from_secs(20),
    }
}

/// Ceilings no test reaches unless it means to: one dollar per interview, per user per day and
/// for the platform per day.
pub fn generous_ceilings() -> DefaultCeilings {
    ceilings_usd(1.0, 1.0, 1.0)
}

/// Ceilings in dollars, for a test whose figures differ from [`generous_ceilings`].
pub fn ceilings_usd(interview: f64, user_day: f64, global_day: f64) -> DefaultCeilings {
    DefaultCeilings {
        interview: usd_to_nanos(interview),
        user_day: usd_to_nanos(user_day),
        global_day: usd_to_nanos(global_day),
    }
}

/// Builds a [`Gateway`] for a test: [`TEST_PRICING`], [`test_limits`] and
/// [`generous_ceilings`] unless told otherwise, a model that says nothing unless given one, no
/// retries, breakers or fallbacks unless given [`TestGateway::resilience`].
#[must_use = "a TestGateway does nothing until built"]
pub struct TestGateway {
    db: Db,
    model: Option<Arc<dyn ChatModel>>,
    pricing: Pricing,
    limits: Limits,
    ceilings: DefaultCeilings,
    resilience: Option<(ResilienceConfig, Vec<Route>)>,
}

impl TestGateway {
    /// A gateway over `db`, where its traces and spend are written.
    pub fn new(db: &Db) -> Self {
        TestGateway {
            db: db.clone(),
            model: None,
            pricing: TEST_PRICING,
            limits: test_limits(),
            ceilings: generous_ceilings(),
            resilience: None,
        }
    }

    /// The primary model.
    pub fn model(mut self, model: Arc<dyn ChatModel>) -> Self {
        self.model = Some(model);
        self
    }

    /// The primary model, a scripted one (shared with the test, which reads its calls).
    pub fn scripted(self, model: &ScriptedModel) -> Self {
        self.model(Arc::new(model.clone()))
    }

    /// The primary model's prices.
    pub fn pricing(mut self, pricing: Pricing) -> Self {
        self.pricing = pricing;
        self
    }

    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The default ceilings of the gateway's budget (an admin's ceilings in the database win).
    pub fn ceilings(mut self, ceilings: DefaultCeilings) -> Self {
        self.ceilings = ceilings;
        self
    }

    /// Retries, circuit breakers and fallback providers, as [`Gateway::with_resilience`].
    pub fn resilience(mut self, config: ResilienceConfig, fallbacks: Vec<Route>) -> Self {
        self.resilience = Some((config, fallbacks));
        self
    }

    pub fn build(self) -> Gateway {
        let model: Arc<dyn ChatModel> = match self.model {
            Some(model) => model,
            None => Arc::new(ScriptedModel::new(Vec::new())),
        };
        let budget = Arc::new(BudgetStore::new(&self.db, self.ceilings));
        let gateway = Gateway::new(&self.db, model, self.pricing, self.limits, budget);
        match self.resilience {
            Some((config, fallbacks)) => gateway.with_resilience(config, fallbacks),
            None => gateway,
        }
    }
}

/// A reply whose first token comes only after `wait` (a provider slow to start, or hung).
pub fn late_reply(wait: Duration, token: &str) -> Script {
    Script {
        steps: vec![Step::Pause(wait), Step::Token(token.to_owned())],
        usage: None,
    }
}

/// A reply that sends `token`, then stalls for `wait` (a stream that stops midway).
pub fn stalled_reply(token: &str, wait: Duration) -> Script {
    Script {
        steps: vec![Step::Token(token.to_owned()), Step::Pause(wait)],
        usage: None,
    }
}

/// A long reply still streaming: `count` tokens `"{prefix}{i} "`, each followed by `gap`.
pub fn trickle(prefix: &str, count: usize, gap: Duration) -> Script {
    Script {
        steps: (0..count)
            .flat_map(|i| [Step::Token(format!("{prefix}{i} ")), Step::Pause(gap)])
            .collect(),
        usage: None,
    }
}

/// A request of a system prompt and one user message, without tools or a temperature.
pub fn chat_request(system: &str, user: &str, max_tokens: u32) -> ChatRequest {
    ChatRequest {
        messages: vec![ChatMessage::system(system), ChatMessage::user(user)],
        tools: vec![],
        max_tokens,
        temperature: None,
    }
}

/// The trace row of a call opened by hand (a budget [`crate::budget::Opening`] outside the
/// gateway), as the tests and the bench of call openings write it: a scripted `test` step with
/// an empty request, context and screening. Only the id differs from call to call; a caller
/// that needs another step, provider or model sets them with `NewTrace { .., ..test_trace(id) }`.
pub fn test_trace(id: impl Into<String>) -> NewTrace {
    NewTrace {
        id: id.into(),
        step: "test".into(),
        provider: "scripted".into(),
        model: "scripted".into(),
        request_json: "{}".into(),
        context_ids_json: "[]".into(),
        screening_json: "[]".into(),
        ..NewTrace::default()
    }
}

/// The trace of one call, which must exist.
pub async fn call_trace(gateway: &Gateway, call_id: &str) -> Trace {
    gateway
        .traces()
        .get(call_id)
        .await
        .expect("read the trace")
        .expect("the call's trace")
}

/// The traces of an interview's calls, newest first (ten at most).
pub async fn traces_of(gateway: &Gateway, interview_id: &str) -> Vec<Trace> {
    gateway
        .traces()
        .list(Some(interview_id), 10)
        .await
        .expect("traces")
}

/// The trace of an interview's newest call, which must exist.
pub async fn last_trace_of(gateway: &Gateway, interview_id: &str) -> Trace {
    traces_of(gateway, interview_id)
        .await
        .into_iter()
        .next()
        .expect("a trace")
}

/// Embeddings for tests of what embeds (the knowledge base): free, under generous ceilings, on
/// the test's database, so every call is still charged (at nothing) and traced.
pub fn test_embeddings(
    db: &Db,
    loader: crate::gateway::EmbedderLoader,
) -> crate::gateway::Embeddings {
    crate::gateway::Embeddings::new(
        db,
        Arc::new(BudgetStore::new(db, generous_ceilings())),
        Pricing::FREE,
        loader,
    )
}
