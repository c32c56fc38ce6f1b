//! The feedback report's second reading and its review, with a scripted judge, on SQLite and
//! PostgreSQL: a judge that quotes words the candidate never wrote is set aside (the
//! deterministic scores stand, and the report says so); one that disagrees beyond the margin
//! sends the report's note to a reviewer, who approves, edits or rejects it like any held
//! answer; one within the margin is kept beside the scores.
//!
//! Longer than 400 lines on purpose: the scripted judge and the interview it plays are shared by every scenario; split by scenario, each file would repeat them.

use rehearse_interview::flow::Phase;
use rehearse_interview::review::{Decision, ReviewItem, ReviewStatus};
use rehearse_interview::scoring::Report;
use rehearse_interview::service::{
    InterviewService, ReviewConfig, JUDGE_DISCARDED, JUDGE_UNAVAILABLE,
};
use rehearse_interview::store::Message;
use rehearse_interview::verdict::{is_report_note, ReviewPolicy, REPORT_FALLBACK};
use rehearse_llm::gateway::Limits;
use rehearse_llm::scripted::{Script, ScriptedModel};
use rehearse_llm::testing::test_limits;
use rehearse_llm::{ChatModel, ChatRequest, EventStream, LlmError, MessageRole};
use rehearse_testkit::{both_backends, fresh_db, Backend, TestDb};
use std::sync::Arc;

mod common;
use common::*;

/// What the scripted judge says.
#[derive(Clone, Copy)]
enum Reading {
    /// Quotes a sentence the candidate never wrote.
    Fabricated,
    /// Scores every answer 1, quoting the answer's first sentence.
    Harsh,
}

/// A double for a capable model: phrasing requests get the built question back as it is;
/// judge requests (the rubric in the system prompt) get `reading`; requests for a reference
/// answer get one when `coach` is set, else nothing usable.
struct Judge {
    reading: Reading,
    coach: bool,
}

fn judge(reading: Reading) -> Arc<dyn ChatModel> {
    Arc::new(Judge {
        reading,
        coach: false,
    })
}

const REFERENCE: &str = "In my last role I rebuilt our payments service in Rust on tokio, with bounded channels between stages. \
    p99 latency fell from 80 ms to 12 ms, at the cost of a more complex shutdown path that we tested on every release.";

#[async_trait::async_trait]
impl ChatModel for Judge {
    fn provider(&self) -> &str {
        "scripted"
    }
    fn model(&self) -> &str {
        "judge"
    }
    async fn stream(&self, request: &ChatRequest) -> Result<EventStream, LlmError> {
        let system = |start: &str| {
            request
                .messages
                .iter()
                .any(|m| m.role == MessageRole::System && m.content.starts_with(start))
        };
        let reply = if system("You write an example of a strong answer") {
            if self.coach {
                REFERENCE.to_owned()
            } else {
                String::new()
            }
        } else if system("You grade one answer") {
            let user = &request
                .messages
                .iter()
                .rfind(|m| m.role == MessageRole::User)
                .expect("the answer")
                .content;
            // The answer is the data block; its first sentence is a verbatim quote.
            let answer = user
                .split_once("\">\n")
                .map(|(_, rest)| rest)
                .unwrap_or_default();
            let first = answer
                .split_inclusive('.')
                .next()
                .unwrap_or_default()
                .trim();
            match self.reading {
                Reading::Fabricated => r#"{"score": 5, "quotes": ["I led a team of forty engineers at a search company."], "reason": "Outstanding leadership."}"#.to_owned(),
                Reading::Harsh => format!(
                    r#"{{"score": 1, "quotes": [{}], "reason": "The answer does not show the requirement."}}"#,
                    serde_json::to_string(first).expect("json")
                ),
            }
        } else {
            request
                .messages
                .iter()
                .rev()
                .find_map(|m| m.content.strip_prefix("Rewrite this question: "))
                .unwrap_or("What else?")
                .to_owned()
        };
        ScriptedModel::new(vec![Script::text(&reply)])
            .stream(request)
            .await
    }
}

async fn service(t: &TestDb, model: Arc<dyn ChatModel>, policy: ReviewPolicy) -> InterviewService {
    let limits = Limits {
        max_reply_tokens: 256,
        ..test_limits()
    };
    service_with_chat(t, model, generous_ceilings(), limits)
        .await
        .with_review(ReviewConfig {
            policy,
            deadline: None,
        })
}

/// Three strong answers, one to each main question.
const STRONG: [&str; 3] = [ANSWER_RUST, ANSWER_DB, ANSWER_OPS];

/// Plays a whole interview with three strong answers; returns its id.
async fn interview(service: &InterviewService) -> String {
    interview_answering(service, STRONG).await
}

/// A whole interview with `answers` on a fresh service whose capable model is `model`
/// (reviewed under `policy`): the database, the service, the report and the messages.
async fn judged(
    backend: Backend,
    model: Arc<dyn ChatModel>,
    policy: ReviewPolicy,
    answers: [&str; 3],
) -> (TestDb, InterviewService, Report, Vec<Message>) {
    let t = fresh_db(backend).await;
    let service = service(&t, model, policy).await.with_capable(true);
    let id = interview_answering(&service, answers).await;
    let (report, messages) = report_and_messages(&service, &id).await;
    (t, service, report, messages)
}

/// Plays a whole interview with these answers to the three main questions (and the last one
/// again to any follow-up); returns its id.
async fn interview_answering(service: &InterviewService, answers: [&str; 3]) -> String {
    let id = start(service).await;
    let replies = [
        "Ready.",
        answers[0],
        answers[1],
        answers[2],
        "No questions, thanks.",
    ];
    for (i, reply) in replies.iter().enumerate() {
        say(service, &id, reply, &format!("k{i}")).await;
    }
    // Follow-ups, if any, get one more strong answer each.
    for i in 0..6 {
        if current(service, &id).await.phase == Phase::Done {
            break;
        }
        say(service, &id, answers[2], &format!("more{i}")).await;
    }
    id
}

async fn report_and_messages(service: &InterviewService, id: &str) -> (Report, Vec<Message>) {
    let done = current(service, id).await;
    assert_eq!(done.phase, Phase::Done);
    let messages = service.store().messages(id).await.expect("messages");
    (done.report.expect("report"), messages)
}

/// Whether the report says the second reading was set aside or could not be made. (These
/// services have no embedding model, so every report also says it was scored by words.)
fn judge_degraded(report: &Report) -> bool {
    report
        .degraded
        .as_deref()
        .is_some_and(|d| d.contains(JUDGE_DISCARDED) || d.contains(JUDGE_UNAVAILABLE))
}

/// The same interview scored without a judge: the deterministic scores.
async fn deterministic_scores(backend: Backend) -> Vec<u8> {
    let (_t, _, plain) = scripted_service(backend, vec![Script::text("")]).await;
    let id = interview(&plain).await;
    let (report, _) = report_and_messages(&plain, &id).await;
    report.scores.iter().map(|s| s.score).collect()
}

async fn a_judge_quoting_words_never_written_is_set_aside(backend: Backend) {
    let (t, _service, report, messages) = judged(
        backend,
        judge(Reading::Fabricated),
        ReviewPolicy::default(),
        STRONG,
    )
    .await;
    assert!(
        report.scores.iter().all(|s| s.judge.is_none()),
        "{report:?}"
    );
    assert!(
        report
            .degraded
            .as_deref()
            .is_some_and(|d| d.contains(JUDGE_DISCARDED)),
        "the page says the report was made without the second reading: {:?}",
        report.degraded
    );
    let scores: Vec<u8> = report.scores.iter().map(|s| s.score).collect();
    assert_eq!(
        scores,
        deterministic_scores(backend).await,
        "the deterministic scores stand"
    );
    assert!(
        scores.iter().all(|s| *s < 5),
        "the judge's 5 raised nothing: {scores:?}"
    );
    assert!(!messages.iter().any(|m| m.held), "nothing is held");
    // Every judge call was made through the gateway, traced under its own step.
    assert_eq!(judge_calls(&t).await as usize, report.scores.len());
}
both_backends!(a_judge_quoting_words_never_written_is_set_aside);

async fn a_judge_that_disagrees_sends_the_report_to_a_reviewer(backend: Backend) {
    for decision in [
        Decision::Approve,
        Decision::Edit("A reviewer read your answers: the scores are fair.".into()),
        Decision::Reject("The second reading missed the measured results.".into()),
    ] {
        let (t, service, report, messages) = judged(
            backend,
            judge(Reading::Harsh),
            ReviewPolicy::default(),
            STRONG,
        )
        .await;
        assert!(!judge_degraded(&report), "{:?}", report.degraded);
        assert!(
            report
                .scores
                .iter()
                .all(|s| s.judge.as_ref().is_some_and(|j| j.score == 1)),
            "the readings are kept for the reviewer"
        );
        assert!(
            report.scores.iter().any(|s| s.score >= 3),
            "strong answers keep their scores: {:?}",
            report.scores
        );
        let note = messages.last().expect("the note").clone();
        assert!(note.held, "the note waits for a reviewer");
        assert!(is_report_note(&note.flags), "{:?}", note.flags);
        assert_eq!(
            messages.iter().filter(|m| m.held).count(),
            1,
            "one note per report"
        );
        let item = service
            .reviews()
            .for_message(&note.id)
            .await
            .expect("lookup")
            .expect("a review opened with the note");
        assert!(item.reasons.iter().all(|r| r.key() == "feedback"));
        assert!(item
            .held_text
            .contains("a second reading scored your answer 1 out of 5"));
        // The note keeps the trace of the call that made it.
        assert_eq!(trace_of(&t, &service, &note.id).await.step, "judge_answer");
        let queue = service
            .reviews()
            .queue(&rehearse_interview::review::QueueFilter {
                reason: Some("feedback".into()),
                role_slug: None,
            })
            .await
            .expect("queue");
        assert_eq!(queue.len(), 1, "the queue filters by the feedback reason");

        let (decided, shown) = decide(&service, &item.id, &note.id, decision.clone()).await;
        assert!(!shown.held);
        match decision {
            Decision::Approve => {
                assert_eq!(decided.status, ReviewStatus::Approved);
                assert_eq!(shown.content, item.held_text);
            }
            Decision::Edit(text) => {
                assert_eq!(decided.status, ReviewStatus::Edited);
                assert_eq!(shown.content, text);
            }
            Decision::Reject(_) => {
                assert_eq!(decided.status, ReviewStatus::Rejected);
                assert_eq!(shown.content, REPORT_FALLBACK);
            }
        }
        // A replayed last turn changes nothing: no second note, no second judging.
        let calls = judge_calls(&t).await;
        drain_turns(&service).await;
        assert_eq!(judge_calls(&t).await, calls);
    }
}
both_backends!(a_judge_that_disagrees_sends_the_report_to_a_reviewer);

/// A reviewer claims the note's review and decides it; returns the item as decided and the
/// note as the candidate now reads it.
async fn decide(
    service: &InterviewService,
    review_id: &str,
    note_id: &str,
    decision: Decision,
) -> (ReviewItem, Message) {
    let decided = claim_and_decide(service, review_id, "reviewer-1", decision).await;
    let shown = service
        .store()
        .message(note_id)
        .await
        .expect("message")
        .expect("note");
    (decided, shown)
}

/// How many judge calls were traced.
async fn judge_calls(t: &TestDb) -> i64 {
    count(
        t,
        "SELECT COUNT(*) AS n FROM model_calls WHERE step = 'judge_answer'",
    )
    .await
}

async fn a_reading_within_the_margin_is_kept_beside_the_scores(backend: Backend) {
    let lenient = ReviewPolicy {
        judge_margin: 4,
        ..ReviewPolicy::default()
    };
    let (_t, _service, report, messages) =
        judged(backend, judge(Reading::Harsh), lenient, STRONG).await;
    assert!(report.scores.iter().all(|s| s.judge.is_some()));
    assert!(!judge_degraded(&report), "{:?}", report.degraded);
    assert!(!messages.iter().any(|m| m.held), "nothing to review");
}
both_backends!(a_reading_within_the_margin_is_kept_beside_the_scores);

async fn a_model_written_reference_answer_waits_for_a_reviewer(backend: Backend) {
    let coach = Arc::new(Judge {
        reading: Reading::Harsh,
        coach: true,
    });
    let weak = "I have used it a bit at work, nothing special really, it was fine.";
    let (_t, service, report, messages) =
        judged(backend, coach, ReviewPolicy::default(), [weak, weak, weak]).await;
    assert!(
        report.scores.iter().all(|s| s.score <= 3),
        "{:?}",
        report.scores
    );
    assert!(report
        .scores
        .iter()
        .all(|s| s.reference.as_deref() == Some(REFERENCE)));
    let note = messages.last().expect("the note").clone();
    assert!(note.held && is_report_note(&note.flags));
    let item = service
        .reviews()
        .for_message(&note.id)
        .await
        .expect("lookup")
        .expect("review");
    assert!(item.held_text.contains("An example of a strong answer on"));
    assert!(item.held_text.contains(REFERENCE));
    let (_, shown) = decide(&service, &item.id, &note.id, Decision::Approve).await;
    assert!(!shown.held && shown.content.contains(REFERENCE));
}
both_backends!(a_model_written_reference_answer_waits_for_a_reviewer);
