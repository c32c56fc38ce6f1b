//! A whole interview to its report, one message per idempotency key, older turns summarised.

use crate::common::*;
use rehearse_interview::flow::{Difficulty, Kind, Phase};
use rehearse_interview::service::ServiceError;
use rehearse_interview::store::{Status, Submitted};
use rehearse_llm::scripted::Script;
use rehearse_testkit::{both_backends, Backend};

async fn a_whole_interview_ends_with_a_report(backend: Backend) {
    let (_t, _, service) = scripted_service(
        backend,
        vec![Script::text(
            "How have you written safe, fast asynchronous services in Rust with tokio?",
        )
        .with_usage(60, 14)],
    )
    .await;
    let id = start(&service).await;
    let greeting = service.store().messages(&id).await.expect("messages");
    assert_eq!(greeting.len(), 1);
    assert!(greeting[0]
        .content
        .contains("Senior Backend Engineer (Rust)"));

    say(&service, &id, "Ready.", "k1").await;
    let messages = service.store().messages(&id).await.expect("messages");
    let q1 = messages.last().expect("question");
    assert_eq!(q1.author, "interviewer");
    assert_eq!(q1.requirement_id.as_deref(), Some("r1"));
    assert_eq!(
        q1.content, "How have you written safe, fast asynchronous services in Rust with tokio?",
        "the acceptable phrasing is kept"
    );

    say(&service, &id, ANSWER_RUST, "k2").await;
    let q2 = last_message(&service, &id).await;
    assert_eq!(q2.requirement_id.as_deref(), Some("r2"));
    assert!(
        q2.content.contains("PostgreSQL"),
        "a rejected phrasing falls back to the built question: {}",
        q2.content
    );
    say(&service, &id, ANSWER_DB, "k3").await;
    say(&service, &id, "Not sure.", "k4").await; // short: one follow-up on r3
    let follow = last_message(&service, &id).await;
    assert!(
        follow.content.starts_with("Could you go deeper on "),
        "{}",
        follow.content
    );
    say(&service, &id, ANSWER_OPS, "k5").await;
    let invite = last_message(&service, &id).await;
    assert!(invite
        .content
        .contains("What would you like to know about the role?"));

    say(&service, &id, "What is the salary for this role?", "k6").await;
    let pay = last_message(&service, &id).await;
    assert_eq!(pay.content, "The job description does not state that.");
    say(&service, &id, "No questions, thanks.", "k7").await;

    let done = current(&service, &id).await;
    assert_eq!(done.phase, Phase::Done);
    assert_eq!(done.status, Status::Done);
    let report = done.report.expect("report");
    let ids: Vec<&str> = report
        .scores
        .iter()
        .map(|s| s.requirement_id.as_str())
        .collect();
    assert_eq!(ids, vec!["r1", "r2", "r3"]);
    // A short answer with a number and an example, but no trade-off: a fair 3 or better.
    assert!(report.scores[0].score >= 3, "{:?}", report.scores[0]);
    assert!(
        report.scores[0].signals.is_some(),
        "the signals are kept with the score"
    );
    let evidence = report.scores[0].evidence.clone().expect("evidence");
    assert!(ANSWER_RUST.contains(&evidence), "quoted verbatim");
    let err = service
        .submit(&current(&service, &id).await, "hello?", "k8")
        .await;
    assert!(matches!(err, Err(ServiceError::Over)));
    let candidate = service
        .store()
        .messages(&id)
        .await
        .expect("messages")
        .iter()
        .filter(|m| m.author == "candidate")
        .count();
    assert_eq!(candidate, 7, "every candidate message is stored");
}
both_backends!(a_whole_interview_ends_with_a_report);

async fn resubmitting_with_the_same_key_stores_one_message(backend: Backend) {
    let (_t, model, service) = scripted_service(backend, vec![Script::text("ok")]).await;
    let id = start_role(
        &service,
        "backend-rust",
        Kind::Technical,
        Difficulty::Junior,
    )
    .await;
    let first = say(&service, &id, "Ready.", "same-key").await;
    let second = say(&service, &id, "Ready.", "same-key").await;
    assert!(matches!(first, Submitted::New(_)));
    match (first, second) {
        (Submitted::New(a), Submitted::Duplicate(b)) => assert_eq!(a.id, b.id),
        other => panic!("{other:?}"),
    }
    let messages = service.store().messages(&id).await.expect("messages");
    assert_eq!(
        messages.len(),
        3,
        "greeting, one candidate message, one question"
    );
    assert_eq!(model.calls(), 1, "the duplicate started no second turn");

    let interview = current(&service, &id).await;
    for (text, key) in [
        ("", "k9"),
        ("   ", "k9"),
        ("ok", ""),
        ("ok", "bad key!"),
        (&"x".repeat(4001)[..], "k9"),
    ] {
        let err = service.submit(&interview, text, key).await;
        assert!(
            matches!(err, Err(ServiceError::Invalid(_))),
            "{text:?} / {key:?}: {err:?}"
        );
    }
}
both_backends!(resubmitting_with_the_same_key_stores_one_message);

async fn older_turns_are_summarised_by_a_background_job(backend: Backend) {
    let (t, service, id) = started(backend).await;
    // Short answers: each main question gets a follow-up, so turns pile up.
    for (i, text) in [
        "Ready.",
        "Tokio.",
        "Channels.",
        "Indexes.",
        "Locks.",
        "Metrics.",
    ]
    .iter()
    .enumerate()
    {
        say(&service, &id, text, &format!("k{i}")).await;
    }
    let jobs = rehearse_db::JobQueue::new(&t.db);
    assert_eq!(
        jobs.count(rehearse_db::JobStatus::Queued)
            .await
            .expect("count"),
        1,
        "one summary job, deduplicated while pending"
    );
    assert!(service.run_next_job().await.expect("run"), "the job ran");
    assert!(
        !service.run_next_job().await.expect("run"),
        "and the queue is empty"
    );
    assert_eq!(
        jobs.count_kind(
            rehearse_interview::service::SUMMARISE_JOB,
            rehearse_db::JobStatus::Done
        )
        .await
        .expect("count"),
        1
    );
    let interview = current(&service, &id).await;
    let messages = service.store().messages(&id).await.expect("messages");
    assert_eq!(
        interview.summary_upto,
        messages[messages.len() - 1 - rehearse_interview::service::KEEP_RECENT].seq
    );
    let summary = interview.summary.expect("summary");
    assert!(summary.contains("- Candidate: Tokio."), "{summary}");
    assert!(
        summary.contains("- Interviewer: Hello, and welcome"),
        "{summary}"
    );
}
both_backends!(older_turns_are_summarised_by_a_background_job);

/// A message sent as the interview ends, by a page that read it while its last turn was still
/// running: the interview is over when the message arrives, so it is refused (not stored to go
/// unanswered), and no turn is queued for it.
async fn a_message_sent_as_the_interview_ends_is_refused(backend: Backend) {
    let (t, _, service) = scripted_service(backend, vec![Script::text("ok")]).await;
    let id = start(&service).await;
    for (i, text) in ["Ready.", ANSWER_RUST, ANSWER_DB, ANSWER_OPS]
        .iter()
        .enumerate()
    {
        say(&service, &id, text, &format!("k{i}")).await;
    }
    submit(&service, &id, "No questions, thanks.", "k-last").await;
    // The page's view of the interview, read while the turn that ends it is still to run.
    let stale = current(&service, &id).await;
    assert_eq!(stale.status, Status::Active);
    drain_turns(&service).await;
    assert_eq!(current(&service, &id).await.status, Status::Done);
    let before = service.store().messages(&id).await.expect("messages").len();

    let late = service.submit(&stale, "One more thing.", "k-late").await;
    assert!(matches!(late, Err(ServiceError::Over)), "{late:?}");
    assert_eq!(
        service.store().messages(&id).await.expect("messages").len(),
        before,
        "nothing stored"
    );
    assert_eq!(
        count(
            &t,
            "SELECT COUNT(*) FROM jobs WHERE kind = 'interview_turn' \
             AND status IN ('queued', 'running')"
        )
        .await,
        0,
        "no turn queued"
    );
    // The same key again is still refused the same way (nothing was stored under it).
    let again = service.submit(&stale, "One more thing.", "k-late").await;
    assert!(matches!(again, Err(ServiceError::Over)), "{again:?}");
}
both_backends!(a_message_sent_as_the_interview_ends_is_refused);
