//! Deadlines: a review whose deadline has passed gives the candidate the fallback, once, and
//! stays in the queue as expired.

use crate::common::*;
use crate::fixture::with_held;
use rehearse_interview::review::{ReviewError, ReviewStatus};
use rehearse_interview::verdict::FALLBACK;
use rehearse_testkit::{both_backends, Backend};

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
