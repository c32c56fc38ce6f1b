//! The review policy's optional rules, set by an admin in settings, over HTTP: an answer whose
//! best passage scored below `REHEARSE_REVIEW__WEAK_RETRIEVAL_BELOW` is held as weak retrieval,
//! and reaches the reviewer's queue under that reason.

use crate::knowledge::say;
use crate::review::{assert_held, at_the_candidates_questions, held_item, review_queue};
use crate::support::{Backend, TestApp};
use rehearse_testkit::both_backends;

async fn a_weakly_retrieved_answer_is_held_when_the_admin_sets_a_cut(backend: Backend) {
    // A cut above every reranker score: any answer that quotes a passage is weak.
    let app = TestApp::spawn_with(backend, |s| s.review.weak_retrieval_below = Some(1.0)).await;
    let (admin, candidate, id) = at_the_candidates_questions(&app).await;
    let replies = say(
        &candidate,
        &id,
        "How often would I be on call?",
        "ask-on-call",
    )
    .await;
    assert_held(&replies, "one week in six");

    let queue = review_queue(&admin, "weak_retrieval").await;
    let items = queue.as_array().expect("queue");
    assert_eq!(items.len(), 1, "{queue:#}");
    let item = held_item(
        &admin,
        items[0]["id"].as_str().expect("id"),
        "one week in six",
    )
    .await;
    assert!(
        item.to_string()
            .contains("matched the question only weakly"),
        "the reason is shown to the reviewer: {item:#}"
    );
}
both_backends!(a_weakly_retrieved_answer_is_held_when_the_admin_sets_a_cut);
