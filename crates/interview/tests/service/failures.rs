//! When the turn fails: a failing model, a model timeout, a cost ceiling that pauses.

use crate::common::*;
use rehearse_interview::flow::{Difficulty, Kind, Phase};
use rehearse_interview::live::LiveEvent;
use rehearse_interview::store::Status;
use rehearse_llm::budget::{BudgetStore, DefaultCeilings, Scope};
use rehearse_llm::gateway::Limits;
use rehearse_llm::pricing::usd_to_nanos;
use rehearse_llm::scripted::{Script, ScriptedModel, Step};
use rehearse_llm::testing::{late_reply, test_limits};
use rehearse_llm::LlmError;
use rehearse_testkit::{both_backends, fresh_db, Backend};
use std::time::Duration;

async fn the_candidates_message_survives_a_failing_model(backend: Backend) {
    let (_t, model, service) = scripted_service(
        backend,
        vec![Script {
            steps: vec![Step::Fail(LlmError::Unavailable("connection reset".into()))],
            usage: None,
        }],
    )
    .await;
    let id = start_role(
        &service,
        "platform-go",
        Kind::Behavioural,
        Difficulty::Senior,
    )
    .await;
    say(&service, &id, "Ready when you are.", "k1").await;
    let messages = service.store().messages(&id).await.expect("messages");
    assert_eq!(messages[1].content, "Ready when you are.");
    assert!(
        messages[2]
            .content
            .starts_with("Tell me about a time you had to build reliable tools"),
        "{}",
        messages[2].content
    );
    assert!(messages[2]
        .content
        .contains(". Include the trade-offs you rejected. "));
    assert_eq!(model.calls(), 1);
}
both_backends!(the_candidates_message_survives_a_failing_model);

async fn a_cost_ceiling_pauses_and_resume_continues(backend: Backend) {
    let t = fresh_db(backend).await;
    let model = ScriptedModel::new(vec![Script::text("fine").with_usage(10, 1)]);
    // The phrasing call's worst case (128 reply tokens at 2 USD/Mtok plus its prompt) is over 1e5 nanos.
    let tiny = DefaultCeilings {
        interview: 100_000,
        ..generous_ceilings()
    };
    let service = service_with(&t, &model, tiny).await;
    let id = start_role(&service, "data-infra", Kind::SystemDesign, Difficulty::Mid).await;
    let (_, mut events) = service.live().subscribe(&id);
    say(&service, &id, "Ready.", "k1").await;
    let paused = current(&service, &id).await;
    assert_eq!(paused.status, Status::Paused);
    assert_eq!(paused.phase, Phase::Intro, "the phase did not advance");
    assert!(paused
        .pause_reason
        .as_deref()
        .unwrap_or_default()
        .contains("nothing you wrote is lost"));
    assert_eq!(model.calls(), 0);
    let mut saw_pause = false;
    while let Ok(event) = events.try_recv() {
        saw_pause |= matches!(event, LiveEvent::Paused { .. });
    }
    assert!(saw_pause);
    let messages = service.store().messages(&id).await.expect("messages");
    assert_eq!(
        messages.last().map(|m| m.content.as_str()),
        Some("Ready."),
        "the candidate's message is kept"
    );

    service
        .store()
        .set_phase(
            &id,
            &paused.phase,
            Status::Paused,
            paused.pause_reason.as_deref(),
        )
        .await
        .expect("noop");
    // An admin raises the ceiling; the candidate resumes.
    let budget = BudgetStore::new(&t.db, tiny);
    budget
        .set_ceiling(Scope::Interview, usd_to_nanos(1.0), "admin@example.com")
        .await
        .expect("raise");
    service.resume(&paused).await.expect("resume");
    drain_turns(&service).await;
    let resumed = current(&service, &id).await;
    assert_eq!(resumed.status, Status::Active);
    assert_eq!(
        resumed.phase,
        Phase::Main {
            index: 0,
            follow_ups: 0
        }
    );
    let last = last_message(&service, &id).await;
    assert_eq!(last.requirement_id.as_deref(), Some("r1"));
}
both_backends!(a_cost_ceiling_pauses_and_resume_continues);

async fn a_model_timeout_still_gets_the_question_asked(backend: Backend) {
    let t = fresh_db(backend).await;
    let model = ScriptedModel::new(vec![late_reply(Duration::from_secs(30), "late")]);
    let quick = Limits {
        first_token_timeout: Duration::from_millis(200),
        call_timeout: Duration::from_secs(1),
        ..test_limits()
    };
    let service = service_with_limits(&t, &model, generous_ceilings(), quick).await;
    let id = start_role(&service, "data-infra", Kind::Technical, Difficulty::Mid).await;
    say(&service, &id, "Ready.", "k1").await;
    assert_last_message_starts(&service, &id, "The role asks you to build event pipelines").await;
    assert_eq!(call_status(&t).await, "timeout");
}
both_backends!(a_model_timeout_still_gets_the_question_asked);
