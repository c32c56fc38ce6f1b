//! What a decision changes: an edit or a rejection changes what the candidate reads (live, and
//! as stored), and an edit is stored as a word diff; approvals and rejections have none.

use crate::common::*;
use crate::fixture::{with_held, HELD};
use rehearse_interview::review::{Decision, ReviewError, ReviewStatus};
use rehearse_interview::verdict::FALLBACK;
use rehearse_testkit::{both_backends, Backend};

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
