//! What the interview-service tests share: a service on a fresh database with a scripted
//! model, and a candidate who says something and waits for the whole turn.
#![allow(dead_code)]

use rehearse_interview::live::LiveHub;
use rehearse_interview::prompts::PromptStore;
use rehearse_interview::service::InterviewService;
use rehearse_interview::store::{InterviewStore, Submitted};
use rehearse_llm::budget::{BudgetStore, DefaultCeilings};
use rehearse_llm::gateway::{Gateway, Limits};
use rehearse_llm::pricing::{usd_to_nanos, Pricing};
use rehearse_llm::scripted::ScriptedModel;
use rehearse_testkit::TestDb;
use std::sync::Arc;
use std::time::Duration;

pub const PRICING: Pricing = Pricing {
    input_usd_per_mtok: 1.0,
    output_usd_per_mtok: 2.0,
};

pub const ANSWER_RUST: &str = "In my last job we built an async payments service in Rust on tokio. We handled 3000 requests a second \
    with bounded channels, and ownership rules kept buffers safe across tasks. I wrote the retry layer and the timeouts myself.";
pub const ANSWER_DB: &str = "For example we designed the PostgreSQL schema with one index per hot query, kept transactions short, \
    and used the right isolation level so that a lock on one account never blocked another during batch imports.";
pub const ANSWER_OPS: &str = "We ran the service with metrics, tracing and logs feeding alerts tied to an SLO, and every outbound call \
    had a timeout and a retry budget so that an incident in one partner degraded gracefully instead of cascading.";

pub async fn service_with(
    t: &TestDb,
    model: &ScriptedModel,
    ceilings: DefaultCeilings,
) -> InterviewService {
    let limits = Limits {
        max_reply_tokens: 128,
        first_token_timeout: Duration::from_secs(10),
        call_timeout: Duration::from_secs(20),
    };
    service_with_limits(t, model, ceilings, limits).await
}

pub async fn service_with_limits(
    t: &TestDb,
    model: &ScriptedModel,
    ceilings: DefaultCeilings,
    limits: Limits,
) -> InterviewService {
    service_with_chat(t, Arc::new(model.clone()), ceilings, limits).await
}

/// A service over any chat model (a test double that answers by what it is asked).
pub async fn service_with_chat(
    t: &TestDb,
    model: Arc<dyn rehearse_llm::ChatModel>,
    ceilings: DefaultCeilings,
    limits: Limits,
) -> InterviewService {
    sqlx_user(t, "u1").await;
    let budget = Arc::new(BudgetStore::new(&t.db, ceilings));
    let gateway = Gateway::new(&t.db, model, PRICING, limits, budget);
    let prompts = PromptStore::new(&t.db);
    prompts.seed().await.expect("seed prompts");
    InterviewService::new(
        InterviewStore::new(&t.db),
        prompts,
        gateway,
        LiveHub::default(),
        rehearse_db::JobQueue::new(&t.db),
    )
    .with_roles(None, Some(Arc::new(NothingStated)))
}

/// An answerer whose job descriptions state nothing asked: every question about the role is
/// "not stated". It stands in for the knowledge base where a test is about the turn, not
/// retrieval (the knowledge base's own tests and the API tests run the real one).
pub struct NothingStated;

#[async_trait::async_trait]
impl rehearse_interview::role_source::RoleAnswerer for NothingStated {
    async fn quote(
        &self,
        _role: &rehearse_interview::role_source::RoleRef,
        question: &str,
    ) -> Result<rehearse_knowledge::Answer, String> {
        use rehearse_knowledge::NOT_STATED;
        Ok(rehearse_knowledge::Answer {
            text: NOT_STATED.to_owned(),
            citations: Vec::new(),
            grounding: rehearse_knowledge::grounding::check(NOT_STATED, &[]),
            held: false,
            flags: vec!["no chunk passed the relevance thresholds".into()],
            retrieval: rehearse_knowledge::Retrieval {
                question: question.to_owned(),
                ranked: Vec::new(),
            },
        })
    }

    async fn write(
        &self,
        _gateway: &Gateway,
        _ctx: rehearse_llm::gateway::CallContext,
        _role: &rehearse_interview::role_source::RoleRef,
        _question: &str,
        _config: rehearse_interview::service::RoleAnswerConfig,
    ) -> rehearse_knowledge::generative::Generated {
        rehearse_knowledge::generative::Generated {
            answer: Err(rehearse_knowledge::generative::GaveUp::Search(
                "this test's answerer only quotes".into(),
            )),
            calls: Vec::new(),
        }
    }
}

pub fn generous() -> DefaultCeilings {
    DefaultCeilings {
        interview: usd_to_nanos(1.0),
        user_day: usd_to_nanos(1.0),
        global_day: usd_to_nanos(1.0),
    }
}

/// Interviews belong to users: create one directly.
pub async fn sqlx_user(t: &TestDb, id: &str) {
    sqlx::query("INSERT INTO users (id, email, display_name, role, email_verified, created_at, updated_at) VALUES ($1, $2, 'U', 'candidate', 0, 0, 0)")
        .bind(id)
        .bind(format!("{id}@example.com"))
        .execute(t.db.pool())
        .await
        .expect("user");
}

/// Runs every queued interviewer turn to the end (the worker's job, done here directly).
pub async fn drain_turns(service: &InterviewService) {
    while service.run_next_turn().await.expect("run a turn") {}
}

pub async fn say(service: &InterviewService, id: &str, text: &str, key: &str) -> Submitted {
    let interview = service
        .store()
        .get(id)
        .await
        .expect("get")
        .expect("interview");
    let submitted = service.submit(&interview, text, key).await.expect("submit");
    drain_turns(service).await;
    submitted
}
