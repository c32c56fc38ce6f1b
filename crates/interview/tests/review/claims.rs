//! Claims are leases: only the holder of a live claim decides, an expired claim may be taken
//! over, and of concurrent claims exactly one wins.

use crate::common::*;
use crate::fixture::with_held;
use rehearse_interview::review::{Decision, ReviewError, ReviewStatus};
use rehearse_testkit::{both_backends, Backend};

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
