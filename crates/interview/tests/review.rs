//! The review queue on SQLite and PostgreSQL: a held message opens its review atomically;
//! claims are leases; only the holder of a live claim decides; deadlines give the fallback.

use rehearse_interview::flow::{Difficulty, Kind};
use rehearse_interview::review::{Decision, Hold, ReviewError, ReviewStatus};
use rehearse_interview::service::InterviewService;
use rehearse_interview::store::{Grounded, Submitted};
use rehearse_interview::verdict::{HoldReason, SensitiveTopic, FALLBACK};
use rehearse_llm::scripted::{Script, ScriptedModel};
use rehearse_testkit::{both_backends, fresh_db, Backend, TestDb};

mod common;
use common::*;

const LEASE: i64 = 60_000;

async fn with_held(
    backend: Backend,
    deadline_at: Option<i64>,
) -> (TestDb, InterviewService, String, String) {
    let t = fresh_db(backend).await;
    let model = ScriptedModel::new(vec![Script::text("ok")]);
    let service = service_with(&t, &model, generous()).await;
    let id = service
        .start("u1", "backend-rust", Kind::Technical, Difficulty::Mid)
        .await
        .expect("start")
        .id;
    let stored = service
        .store()
        .append_grounded(
            &id,
            "interviewer",
            "The salary is 95,000 EUR [1].",
            None,
            Some("reply:x:0"),
            None,
            Grounded {
                held: true,
                hold: Some(Hold {
                    question: "What does it pay?".into(),
                    reasons: vec![HoldReason::Sensitive {
                        topic: SensitiveTopic::Compensation,
                    }],
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
    let review = service
        .reviews()
        .for_message(&message.id)
        .await
        .expect("lookup")
        .expect("the review opened with the message");
    (t, service, id, review.id)
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
    service
        .reviews()
        .claim(&review, "ann", LEASE)
        .await
        .expect("claim");
    service
        .decide_review(&review, "ann", Decision::Reject("Invented.".into()))
        .await
        .expect("reject");
    let last = service
        .store()
        .messages(&id)
        .await
        .expect("messages")
        .pop()
        .expect("answer");
    assert_eq!(last.content, FALLBACK);
    assert!(last.citations.is_empty());
}
both_backends!(edits_and_rejections_change_what_the_candidate_reads);

async fn a_passed_deadline_gives_the_fallback_and_keeps_the_item(backend: Backend) {
    let (_t, service, id, review) = with_held(backend, Some(rehearse_db::now_ms() - 1)).await;
    let expired = service.expire_reviews().await.expect("expire");
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0].status, ReviewStatus::Expired);
    let last = service
        .store()
        .messages(&id)
        .await
        .expect("messages")
        .pop()
        .expect("answer");
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
    let t = fresh_db(backend).await;
    let model = ScriptedModel::new(vec![Script::text("ok")]);
    let service = service_with(&t, &model, generous()).await;
    let id = service
        .start("u1", "backend-rust", Kind::Technical, Difficulty::Mid)
        .await
        .expect("start")
        .id;
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
    assert!(messages
        .iter()
        .any(|m| m.content == rehearse_interview::answers::NOT_STATED));
    assert_eq!(service.reviews().pending_count().await.expect("count"), 0);
}
both_backends!(a_pay_question_on_a_sample_role_goes_through_the_verdict);
