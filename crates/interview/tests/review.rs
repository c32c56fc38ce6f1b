//! The review queue on SQLite and PostgreSQL: a held message opens its review atomically;
//! claims are leases; only the holder of a live claim decides; deadlines give the fallback;
//! edits are stored as diffs; the admin metrics count the stored decisions.
//!
//! Longer than 400 lines on purpose: the review queue's rules (leases, races, deadlines, diffs, metrics) share their fixtures; split by scenario, each file would repeat them.

use rehearse_interview::review::{Decision, Hold, ReviewError, ReviewStatus};
use rehearse_interview::service::InterviewService;
use rehearse_interview::store::{Grounded, Submitted};
use rehearse_interview::verdict::{HoldReason, SensitiveTopic, FALLBACK};
use rehearse_testkit::{both_backends, Backend, TestDb};

mod common;
use common::*;

async fn with_held(
    backend: Backend,
    deadline_at: Option<i64>,
) -> (TestDb, InterviewService, String, String) {
    let (t, service, id) = started(backend).await;
    let review = hold(
        &service,
        &id,
        "reply:x:0",
        vec![HoldReason::Sensitive {
            topic: SensitiveTopic::Compensation,
        }],
        deadline_at,
    )
    .await;
    (t, service, id, review)
}

const HELD: &str = "The salary is 95,000 EUR [1].";

/// Stores a held answer (`HELD`) the way a turn does, with its review; returns the review id.
async fn hold(
    service: &InterviewService,
    interview_id: &str,
    key: &str,
    reasons: Vec<HoldReason>,
    deadline_at: Option<i64>,
) -> String {
    let stored = service
        .store()
        .append_grounded(
            interview_id,
            rehearse_interview::store::Author::Interviewer,
            HELD,
            None,
            Some(key),
            None,
            Grounded {
                held: true,
                hold: Some(Hold {
                    question: "What does it pay?".into(),
                    reasons,
                    deadline_at,
                }),
                ..Grounded::default()
            },
        )
        .await
        .expect("held");
    let Submitted::New(message) = stored else {
        panic!("stored once")
    };
    service
        .reviews()
        .for_message(&message.id)
        .await
        .expect("lookup")
        .expect("the review opened with the message")
        .id
}

async fn claims_are_leases_and_only_the_holder_decides(backend: Backend) {
    let (_t, service, id, review) = with_held(backend, None).await;
    let reviews = service.reviews();
    assert!(matches!(
        service
            .decide_review(&review, "ann", Decision::Approve)
            .await,
        Err(ReviewError::NotClaimed)
    ));
    reviews
        .claim(&review, "ann", LEASE)
        .await
        .expect("ann claims");
    assert!(matches!(
        reviews.claim(&review, "ben", LEASE).await,
        Err(ReviewError::ClaimedByOther)
    ));
    reviews
        .claim(&review, "ann", LEASE)
        .await
        .expect("ann renews");
    // Ann abandons it: her lease runs out and Ben takes over.
    reviews
        .claim(&review, "ann", -1)
        .await
        .expect("expired claim");
    reviews
        .claim(&review, "ben", LEASE)
        .await
        .expect("ben takes over");
    assert!(matches!(
        service
            .decide_review(&review, "ann", Decision::Approve)
            .await,
        Err(ReviewError::ClaimedByOther)
    ));
    let decided = service
        .decide_review(&review, "ben", Decision::Approve)
        .await
        .expect("ben decides");
    assert_eq!(decided.status, ReviewStatus::Approved);
    assert!(matches!(
        service
            .decide_review(&review, "ben", Decision::Approve)
            .await,
        Err(ReviewError::AlreadyDecided)
    ));
    let messages = service.store().messages(&id).await.expect("messages");
    let last = messages.last().expect("answer");
    assert!(!last.held);
    assert_eq!(last.content, "The salary is 95,000 EUR [1].");
}
both_backends!(claims_are_leases_and_only_the_holder_decides);

async fn concurrent_claims_have_one_winner(backend: Backend) {
    let (_t, service, _id, review) = with_held(backend, None).await;
    let claims = (0..8).map(|i| {
        let reviews = service.reviews();
        let review = review.clone();
        tokio::spawn(async move { reviews.claim(&review, &format!("r{i}"), LEASE).await })
    });
    let mut won = 0;
    for claim in claims {
        match claim.await.expect("joined") {
            Ok(_) => won += 1,
            Err(ReviewError::ClaimedByOther) => {}
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(won, 1);
}
both_backends!(concurrent_claims_have_one_winner);

async fn edits_and_rejections_change_what_the_candidate_reads(backend: Backend) {
    let (_t, service, id, review) = with_held(backend, None).await;
    service
        .reviews()
        .claim(&review, "ann", LEASE)
        .await
        .expect("claim");
    assert!(matches!(
        service
            .decide_review(&review, "ann", Decision::Edit("  ".into()))
            .await,
        Err(ReviewError::Invalid(_))
    ));
    let (_, mut events) = service.live().subscribe(&id);
    service
        .decide_review(&review, "ann", Decision::Edit("Not stated.".into()))
        .await
        .expect("edit");
    match events.recv().await.expect("event") {
        rehearse_interview::live::LiveEvent::Reviewed { message } => {
            assert_eq!(message.content, "Not stated.");
            assert!(!message.held);
        }
        other => panic!("{other:?}"),
    }
    let item = service
        .reviews()
        .get(&review)
        .await
        .expect("get")
        .expect("item");
    assert_eq!(item.held_text, "The salary is 95,000 EUR [1].");
    assert_eq!(item.final_text.as_deref(), Some("Not stated."));

    let (_t, service, id, review) = with_held(backend, None).await;
    claim_and_decide(
        &service,
        &review,
        "ann",
        Decision::Reject("Invented.".into()),
    )
    .await;
    let last = last_message(&service, &id).await;
    assert_eq!(last.content, FALLBACK);
    assert!(last.citations.is_empty());
}
both_backends!(edits_and_rejections_change_what_the_candidate_reads);

async fn a_passed_deadline_gives_the_fallback_and_keeps_the_item(backend: Backend) {
    let (_t, service, id, review) = with_held(backend, Some(rehearse_db::now_ms() - 1)).await;
    let expired = service.expire_reviews().await.expect("expire");
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0].status, ReviewStatus::Expired);
    let last = last_message(&service, &id).await;
    assert_eq!(last.content, FALLBACK, "never the unreviewed text");
    assert!(!last.held);
    let queue = service
        .reviews()
        .queue(&Default::default())
        .await
        .expect("queue");
    assert!(queue
        .iter()
        .any(|r| r.id == review && r.status == ReviewStatus::Expired));
    assert!(
        service.expire_reviews().await.expect("again").is_empty(),
        "once"
    );
    assert!(matches!(
        service.reviews().claim(&review, "ann", LEASE).await,
        Err(ReviewError::AlreadyDecided)
    ));
}
both_backends!(a_passed_deadline_gives_the_fallback_and_keeps_the_item);

async fn a_pay_question_on_a_sample_role_goes_through_the_verdict(backend: Backend) {
    let (t, service, id) = started(backend).await;
    for (i, text) in ["Ready.", ANSWER_RUST, ANSWER_DB, "Not sure.", ANSWER_OPS]
        .iter()
        .enumerate()
    {
        say(&service, &id, text, &format!("k{i}")).await;
    }
    // The sample role states no pay: "not stated" is shown, nothing is held.
    say(&service, &id, "What does it pay?", "k-pay").await;
    let messages = service.store().messages(&id).await.expect("messages");
    assert!(messages.iter().all(|m| !m.held), "{messages:?}");
    let answer = messages
        .iter()
        .find(|m| m.content == rehearse_knowledge::NOT_STATED)
        .expect("not stated");
    assert_eq!(service.reviews().pending_count().await.expect("count"), 0);
    // Even with no model call the answer has a trace: what was asked and the verdict.
    let trace_id = service
        .store()
        .trace_of(&answer.id)
        .await
        .expect("read")
        .expect("a trace");
    let row = sqlx::query("SELECT step, provider, request_json FROM model_calls WHERE id = $1")
        .bind(&trace_id)
        .fetch_one(t.db.pool())
        .await
        .expect("trace row");
    let step: String = sqlx::Row::try_get(&row, "step").expect("step");
    let provider: String = sqlx::Row::try_get(&row, "provider").expect("provider");
    let request: String = sqlx::Row::try_get(&row, "request_json").expect("request");
    assert_eq!(
        (step.as_str(), provider.as_str()),
        ("role_answer", "knowledge")
    );
    assert!(request.contains("What does it pay?"), "{request}");
    assert!(request.contains("not_stated"), "{request}");
}
both_backends!(a_pay_question_on_a_sample_role_goes_through_the_verdict);

async fn an_edit_is_stored_as_a_word_diff(backend: Backend) {
    let (t, service, _id, review) = with_held(backend, None).await;
    let reviews = service.reviews();
    let decided = claim_and_decide(
        &service,
        &review,
        "ann",
        Decision::Edit("The salary is not stated [1].".into()),
    )
    .await;
    assert_eq!(decided.status, ReviewStatus::Edited);
    let diff = decided.edit_diff.clone().expect("an edit has a diff");
    let side = |keep: char| -> String {
        diff.iter()
            .filter(|(tag, _)| *tag == ' ' || *tag == keep)
            .map(|(_, text)| text.as_str())
            .collect()
    };
    assert_eq!(side('-'), HELD);
    assert_eq!(side('+'), "The salary is not stated [1].");
    assert!(diff
        .iter()
        .any(|(tag, text)| *tag == '-' && text.contains("95,000")));
    assert!(diff
        .iter()
        .any(|(tag, text)| *tag == '+' && text.contains("stated")));
    // Stored, and read back as stored.
    let stored = reviews.get(&review).await.expect("get").expect("item");
    assert_eq!(stored.edit_diff, Some(diff.clone()));
    let with_diff = count(
        &t,
        "SELECT COUNT(*) FROM reviews WHERE diff_json IS NOT NULL AND diff_json LIKE '%95,000%'",
    )
    .await;
    assert_eq!(with_diff, 1);
    // Edited before diffs were stored: the diff is made from the two texts on read.
    sqlx::query("UPDATE reviews SET diff_json = NULL WHERE id = $1")
        .bind(&review)
        .execute(t.db.pool())
        .await
        .expect("clear");
    let legacy = reviews.get(&review).await.expect("get").expect("item");
    assert_eq!(legacy.edit_diff, Some(diff));

    // Approvals and rejections have no diff; an "edit" that changes nothing is an approval.
    let (_t, service, id, review) = with_held(backend, None).await;
    let same = claim_and_decide(
        &service,
        &review,
        "ann",
        Decision::Edit(format!("  {HELD}\n")),
    )
    .await;
    assert_eq!(same.status, ReviewStatus::Approved);
    assert_eq!(same.edit_diff, None);
    let last = last_message(&service, &id).await;
    assert_eq!(last.content, HELD);
    assert!(!last.held);
    let (_t, service, _id, review) = with_held(backend, None).await;
    let rejected = claim_and_decide(
        &service,
        &review,
        "ann",
        Decision::Reject("Invented.".into()),
    )
    .await;
    assert_eq!(rejected.edit_diff, None);
}
both_backends!(an_edit_is_stored_as_a_word_diff);

/// Sets a review's times, so the figures that depend on them are exact.
async fn set_times(t: &TestDb, review: &str, created_at: i64, decided_at: Option<i64>) {
    sqlx::query("UPDATE reviews SET created_at = $1 WHERE id = $2")
        .bind(created_at)
        .bind(review)
        .execute(t.db.pool())
        .await
        .expect("created_at");
    if let Some(at) = decided_at {
        sqlx::query("UPDATE reviews SET decided_at = $1 WHERE id = $2")
            .bind(at)
            .bind(review)
            .execute(t.db.pool())
            .await
            .expect("decided_at");
    }
}

async fn metrics_come_from_the_stored_decisions(backend: Backend) {
    let (t, service, id) = started(backend).await;
    let empty = service.reviews().metrics(0).await.expect("metrics");
    assert_eq!(empty.pending, 0);
    assert_eq!(empty.oldest_pending_ms, None);
    assert_eq!(empty.decision_p50_ms, None);
    assert!(empty.by_reason.is_empty());

    let sensitive = || HoldReason::Sensitive {
        topic: SensitiveTopic::Compensation,
    };
    let ungrounded = || HoldReason::Ungrounded {
        detail: "95,000 EUR".into(),
    };
    let approved = hold(&service, &id, "k-a", vec![sensitive()], None).await;
    let edited = hold(&service, &id, "k-b", vec![sensitive(), ungrounded()], None).await;
    let rejected = hold(&service, &id, "k-c", vec![ungrounded()], None).await;
    let unchanged = hold(&service, &id, "k-d", vec![HoldReason::WeakRetrieval], None).await;
    let expired = hold(
        &service,
        &id,
        "k-e",
        vec![sensitive()],
        Some(rehearse_db::now_ms() - 1),
    )
    .await;
    let waiting_long = hold(&service, &id, "k-f", vec![ungrounded()], None).await;
    let waiting = hold(&service, &id, "k-g", vec![HoldReason::WeakRetrieval], None).await;

    // Decided through the real path: claim, then decide.
    for (review, decision) in [
        (&approved, Decision::Approve),
        (&edited, Decision::Edit("The salary is not stated.".into())),
        (&rejected, Decision::Reject("Invented.".into())),
        (&unchanged, Decision::Edit(HELD.into())),
    ] {
        claim_and_decide(&service, review, "ann", decision).await;
    }
    assert_eq!(service.expire_reviews().await.expect("expire").len(), 1);

    // Exact times: decisions after 1, 2, 5 and 10 minutes; two items waiting 10 and 2 minutes.
    let now = 100_000_000;
    let minute = 60_000;
    let base = 1_000_000;
    for (review, minutes) in [
        (&approved, 1),
        (&edited, 2),
        (&rejected, 5),
        (&unchanged, 10),
    ] {
        set_times(&t, review, base, Some(base + minutes * minute)).await;
    }
    // An expired item's wait says nothing about reviewers: it must not count.
    set_times(&t, &expired, base, Some(base + 1000 * minute)).await;
    set_times(&t, &waiting_long, now - 10 * minute, None).await;
    set_times(&t, &waiting, now - 2 * minute, None).await;

    let m = service.reviews().metrics(now).await.expect("metrics");
    assert_eq!(m.pending, 2);
    assert_eq!(m.oldest_pending_ms, Some(10 * minute));
    assert_eq!(m.decision_p50_ms, Some(2 * minute));
    assert_eq!(m.decision_p90_ms, Some(10 * minute));

    let o = m.overall;
    assert_eq!(
        (o.pending, o.approved, o.edited, o.rejected, o.expired),
        (2, 2, 1, 1, 1),
        "an edit that changes nothing counts as approved"
    );
    assert_eq!(o.false_alarms(), 2);
    assert_eq!(o.true_catches(), 2);
    assert_eq!(o.agreement(), Some(0.5));
    assert_eq!(o.rate(o.expired), Some(0.2));

    let reasons: Vec<&str> = m.by_reason.iter().map(|r| r.reason.as_str()).collect();
    assert_eq!(reasons, ["sensitive", "ungrounded", "weak_retrieval"]);
    let of = |key: &str| {
        m.by_reason
            .iter()
            .find(|r| r.reason == key)
            .map(|r| r.outcomes)
            .expect("reason")
    };
    let s = of("sensitive");
    assert_eq!(
        (s.pending, s.approved, s.edited, s.rejected, s.expired),
        (0, 1, 1, 0, 1)
    );
    assert_eq!(s.agreement(), Some(0.5));
    assert_eq!(s.rate(s.approved), Some(1.0 / 3.0));
    let u = of("ungrounded");
    assert_eq!(
        (u.pending, u.approved, u.edited, u.rejected, u.expired),
        (1, 0, 1, 1, 0)
    );
    assert_eq!(u.agreement(), Some(1.0));
    assert_eq!(u.rate(u.rejected), Some(0.5));
    let w = of("weak_retrieval");
    assert_eq!(
        (w.pending, w.approved, w.edited, w.rejected, w.expired),
        (1, 1, 0, 0, 0)
    );
    assert_eq!(
        w.agreement(),
        Some(0.0),
        "approved unchanged: a false alarm"
    );
}
both_backends!(metrics_come_from_the_stored_decisions);
