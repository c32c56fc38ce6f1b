//! A question about the role when the knowledge base fails: it is down, it never answers, or
//! the candidate presses Stop while it is looking. Each time the candidate reads an honest line
//! (never a guess), the turn completes and the interview goes on to its end.

use crate::common::*;
use rehearse_interview::flow::Phase;
use rehearse_interview::role_source::{RoleAnswerer, RoleRef};
use rehearse_interview::service::{InterviewService, RoleAnswerConfig};
use rehearse_interview::store::Status;
use rehearse_knowledge::generative::{GaveUp, Generated};
use rehearse_llm::gateway::{CallContext, Gateway};
use rehearse_llm::scripted::ScriptedModel;
use rehearse_testkit::{both_backends, fresh_db, Backend, TestDb};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// What the candidate reads when the job description cannot be searched.
const CANNOT_LOOK_UP: &str = "I can't look that up in the job description right now";
/// What the candidate reads after stopping an answer about the role.
const STOPPED: &str = "You stopped that answer before it was ready.";
const QUESTION: &str = "What is the salary for this role?";

/// The knowledge base as it fails: `Down` refuses every lookup, `Silent` never answers one.
/// Either counts the lookups it was asked for.
struct Failing {
    silent: bool,
    asked: AtomicUsize,
}

impl Failing {
    fn down() -> Arc<Self> {
        Arc::new(Failing {
            silent: false,
            asked: AtomicUsize::new(0),
        })
    }

    fn silent() -> Arc<Self> {
        Arc::new(Failing {
            silent: true,
            asked: AtomicUsize::new(0),
        })
    }
}

#[async_trait::async_trait]
impl RoleAnswerer for Failing {
    async fn quote(
        &self,
        _role: &RoleRef,
        _question: &str,
    ) -> Result<rehearse_knowledge::Answer, String> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        if self.silent {
            std::future::pending::<()>().await;
        }
        Err("connection refused by the chunk store".to_owned())
    }

    async fn write(
        &self,
        _gateway: &Gateway,
        _ctx: CallContext,
        _role: &RoleRef,
        _question: &str,
        _config: RoleAnswerConfig,
    ) -> Generated {
        Generated {
            answer: Err(GaveUp::Search("this test's answerer only quotes".into())),
            calls: Vec::new(),
        }
    }
}

/// A service whose role answers come from `answerer`, with quoted answers waiting at most
/// `deadline` for it, and an interview brought to the point where the candidate may ask about
/// the role.
async fn at_the_role_questions(
    backend: Backend,
    answerer: Arc<Failing>,
    deadline: Duration,
) -> (TestDb, InterviewService, String) {
    let t = fresh_db(backend).await;
    let model = ScriptedModel::new(Vec::new());
    let service = service_with(&t, &model, generous_ceilings())
        .await
        .with_roles(None, Some(answerer as Arc<dyn RoleAnswerer>))
        .with_role_answers(RoleAnswerConfig {
            knowledge_deadline: deadline,
            ..RoleAnswerConfig::default()
        });
    let id = start(&service).await;
    say(&service, &id, "Ready.", "k1").await;
    say(&service, &id, ANSWER_RUST, "k2").await;
    say(&service, &id, ANSWER_DB, "k3").await;
    say(&service, &id, ANSWER_OPS, "k4").await;
    let invite = last_message(&service, &id).await;
    assert!(
        invite
            .content
            .contains("What would you like to know about the role?"),
        "{}",
        invite.content
    );
    (t, service, id)
}

/// The interview is not stuck: the candidate can end it and gets the report.
async fn assert_goes_on_to_the_end(service: &InterviewService, id: &str) {
    say(service, id, "No questions, thanks.", "k9").await;
    let done = current(service, id).await;
    assert_eq!(done.phase, Phase::Done);
    assert_eq!(done.status, Status::Done);
    assert!(done.report.is_some(), "the report is written");
}

/// The candidate asks about the role with `answerer` failing as it does, and reads that it
/// cannot be looked up now, without the failure's internals; the interview goes on to its end.
async fn asked_while_failing(backend: Backend, answerer: Arc<Failing>, deadline: Duration) {
    let (t, service, id) = at_the_role_questions(backend, answerer.clone(), deadline).await;
    say(&service, &id, QUESTION, "k5").await;
    assert_eq!(answerer.asked.load(Ordering::SeqCst), 1);
    let reply = last_message(&service, &id).await;
    assert!(
        reply.content.starts_with(CANNOT_LOOK_UP),
        "{}",
        reply.content
    );
    assert!(
        !reply.content.contains("connection refused"),
        "no internals shown"
    );
    // The trace says what happened: the lookup failed (not an answer shown).
    let trace = trace_of(&t, &service, &reply.id).await;
    assert_eq!(
        trace.request["verdict"], "lookup_failed",
        "{}",
        trace.request
    );
    assert_eq!(current(&service, &id).await.status, Status::Active);
    assert_goes_on_to_the_end(&service, &id).await;
}

async fn a_knowledge_base_outage_gets_an_honest_reply(backend: Backend) {
    asked_while_failing(backend, Failing::down(), Duration::from_secs(15)).await;
}
both_backends!(a_knowledge_base_outage_gets_an_honest_reply);

/// A knowledge base that never answers is cut at the configured deadline (short here; the
/// lookup never returns, so nothing but the deadline can end it).
async fn a_knowledge_base_that_never_answers_is_cut_at_its_deadline(backend: Backend) {
    asked_while_failing(backend, Failing::silent(), Duration::from_millis(50)).await;
}
both_backends!(a_knowledge_base_that_never_answers_is_cut_at_its_deadline);

/// Stop reaches a lookup that would otherwise wait out a ten-minute deadline: the turn ends,
/// told apart from the deadline by what the candidate reads.
async fn stop_ends_a_lookup_that_never_answers(backend: Backend) {
    let silent = Failing::silent();
    let (t, service, id) =
        at_the_role_questions(backend, silent.clone(), Duration::from_secs(600)).await;
    submit(&service, &id, QUESTION, "k5").await;
    let runner = {
        let service = service.clone();
        tokio::spawn(async move { drain_turns(&service).await })
    };
    let began = std::time::Instant::now();
    while silent.asked.load(Ordering::SeqCst) == 0 {
        assert!(
            began.elapsed() < Duration::from_secs(30),
            "the knowledge base was never asked"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(service.live().stop(&id), "a turn was running");
    // A guard against a hang only; what the candidate reads below is the assertion.
    tokio::time::timeout(Duration::from_secs(60), runner)
        .await
        .expect("Stop ended the lookup")
        .expect("the turn ended");
    let reply = last_message(&service, &id).await;
    assert!(reply.content.starts_with(STOPPED), "{}", reply.content);
    assert_eq!(
        trace_of(&t, &service, &reply.id).await.request["verdict"],
        "stopped"
    );
    assert_goes_on_to_the_end(&service, &id).await;
}
both_backends!(stop_ends_a_lookup_that_never_answers);
