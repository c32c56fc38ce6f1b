//! What the interview-service tests share: a service on a fresh database with a scripted
//! model (its gateway built by the shared [`TestGateway`]), an interview started on a sample
//! role, a candidate who says something and waits for the whole turn, and what the tests read
//! back.
#![allow(dead_code)]

use rehearse_interview::flow::{Difficulty, Kind};
use rehearse_interview::live::LiveHub;
use rehearse_interview::prompts::PromptStore;
use rehearse_interview::review::{Decision, ReviewItem};
use rehearse_interview::service::InterviewService;
use rehearse_interview::store::{Interview, InterviewStore, Message, Submitted};
use rehearse_llm::budget::DefaultCeilings;
use rehearse_llm::gateway::{Gateway, Limits};
use rehearse_llm::scripted::{Script, ScriptedModel};
use rehearse_llm::testing::{test_limits, TestGateway};
use rehearse_testkit::{fresh_db, Backend, TestDb};
use std::sync::Arc;
use std::time::Duration;

pub use rehearse_llm::testing::generous_ceilings;

pub const ANSWER_RUST: &str = "In my last job we built an async payments service in Rust on tokio. We handled 3000 requests a second \
    with bounded channels, and ownership rules kept buffers safe across tasks. I wrote the retry layer and the timeouts myself.";
pub const ANSWER_DB: &str = "For example we designed the PostgreSQL schema with one index per hot query, kept transactions short, \
    and used the right isolation level so that a lock on one account never blocked another during batch imports.";
pub const ANSWER_OPS: &str = "We ran the service with metrics, tracing and logs feeding alerts tied to an SLO, and every outbound call \
    had a timeout and a retry budget so that an incident in one partner degraded gracefully instead of cascading.";

/// A service over `model` with the shared test limits.
pub async fn service_with(
    t: &TestDb,
    model: &ScriptedModel,
    ceilings: DefaultCeilings,
) -> InterviewService {
    service_with_limits(t, model, ceilings, test_limits()).await
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
    let gateway = TestGateway::new(&t.db)
        .model(model)
        .limits(limits)
        .ceilings(ceilings)
        .build();
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

/// A fresh database and a service over a scripted model playing `scripts` (the generous
/// ceilings, the shared limits). Keep the database alive as long as the service.
pub async fn scripted_service(
    backend: Backend,
    scripts: Vec<Script>,
) -> (TestDb, ScriptedModel, InterviewService) {
    let t = fresh_db(backend).await;
    let model = ScriptedModel::new(scripts);
    let service = service_with(&t, &model, generous_ceilings()).await;
    (t, model, service)
}

/// What most tests start from: a fresh database, a service whose model answers every call
/// `ok`, and one interview started on the Rust backend role.
pub async fn started(backend: Backend) -> (TestDb, InterviewService, String) {
    let (t, _, service) = scripted_service(backend, vec![Script::text("ok")]).await;
    let id = start(&service).await;
    (t, service, id)
}

/// Starts an interview for user `u1` on the Rust backend role, technical, mid level (what most
/// tests play); returns its id.
pub async fn start(service: &InterviewService) -> String {
    start_role(service, "backend-rust", Kind::Technical, Difficulty::Mid).await
}

/// Starts an interview for user `u1`; returns its id.
pub async fn start_role(
    service: &InterviewService,
    role: &str,
    kind: Kind,
    difficulty: Difficulty,
) -> String {
    service
        .start("u1", role, kind, difficulty)
        .await
        .expect("start")
        .id
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

/// The candidate sends `text` and waits for the whole turn.
pub async fn say(service: &InterviewService, id: &str, text: &str, key: &str) -> Submitted {
    let submitted = submit(service, id, text, key).await;
    drain_turns(service).await;
    submitted
}

/// The candidate sends `text`; its turn is queued, not run.
pub async fn submit(service: &InterviewService, id: &str, text: &str, key: &str) -> Submitted {
    service
        .submit(&current(service, id).await, text, key)
        .await
        .expect("submit")
}

/// The interview as stored now.
pub async fn current(service: &InterviewService, id: &str) -> Interview {
    service
        .store()
        .get(id)
        .await
        .expect("get")
        .expect("interview")
}

/// The interview's last message.
pub async fn last_message(service: &InterviewService, id: &str) -> Message {
    service
        .store()
        .messages(id)
        .await
        .expect("messages")
        .pop()
        .expect("a last message")
}

/// A reviewer's claim on a review: a minute.
pub const LEASE: i64 = 60_000;

/// `reviewer` claims the review (for [`LEASE`]) and decides it; returns the item as decided.
pub async fn claim_and_decide(
    service: &InterviewService,
    review_id: &str,
    reviewer: &str,
    decision: Decision,
) -> ReviewItem {
    service
        .reviews()
        .claim(review_id, reviewer, LEASE)
        .await
        .expect("claim");
    service
        .decide_review(review_id, reviewer, decision)
        .await
        .expect("decide")
}

/// Asserts that the interview's last message begins with `start`.
pub async fn assert_last_message_starts(service: &InterviewService, id: &str, start: &str) {
    let last = last_message(service, id).await;
    assert!(last.content.starts_with(start), "{}", last.content);
}

/// The number a `SELECT COUNT(*) ...` counts.
pub async fn count(t: &TestDb, sql: &str) -> i64 {
    let row = sqlx::query(sql)
        .fetch_one(t.db.pool())
        .await
        .expect("count");
    sqlx::Row::try_get::<i64, _>(&row, 0).expect("n")
}

/// The trace a message keeps, as stored: its step, provider and request.
pub struct TraceRow {
    pub step: String,
    pub provider: String,
    pub request: serde_json::Value,
}

/// The trace behind message `message_id` (every reply the interviewer makes has one, even an
/// answer that made no model call).
pub async fn trace_of(t: &TestDb, service: &InterviewService, message_id: &str) -> TraceRow {
    let id = service
        .store()
        .trace_of(message_id)
        .await
        .expect("read the message's trace id")
        .expect("the message has a trace");
    let row = sqlx::query("SELECT step, provider, request_json FROM model_calls WHERE id = $1")
        .bind(&id)
        .fetch_one(t.db.pool())
        .await
        .expect("the trace row");
    let request: String = sqlx::Row::try_get(&row, "request_json").expect("request");
    TraceRow {
        step: sqlx::Row::try_get(&row, "step").expect("step"),
        provider: sqlx::Row::try_get(&row, "provider").expect("provider"),
        request: serde_json::from_str(&request).expect("the request is JSON"),
    }
}

/// The status of the one model call traced so far.
pub async fn call_status(t: &TestDb) -> String {
    let row = sqlx::query("SELECT status FROM model_calls")
        .fetch_one(t.db.pool())
        .await
        .expect("trace");
    sqlx::Row::try_get(&row, "status").expect("status")
}

/// The candidate says "Ready." and its turn runs in the background until the model is called
/// (waited for, bounded: a phrasing is held back until accepted, so no token shows while the
/// model writes); then Stop is pressed. Returns the task running the turn.
pub async fn stop_once_the_model_is_called(
    service: &InterviewService,
    model: &ScriptedModel,
    id: &str,
) -> tokio::task::JoinHandle<()> {
    submit(service, id, "Ready.", "k1").await;
    let runner = {
        let service = service.clone();
        tokio::spawn(async move { drain_turns(&service).await })
    };
    let began = std::time::Instant::now();
    while model.calls() == 0 {
        assert!(
            began.elapsed() < Duration::from_secs(10),
            "the model was never called"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(service.live().stop(id), "a turn was running");
    runner
}
