//! Delivery to the candidate: nothing held before a decision; an edit arrives live, exactly once
//! and never replayed; a rejection (which needs a claim and a reason) gives the honest fallback.

use super::candidate_view::everything_the_candidate_sees;
use super::{claim, held_answer, reviewer};
use crate::interviews::{connect, read_events, read_some, reconnect};
use crate::knowledge::detail;
use crate::support::{json, Backend, TestApp};
use rehearse_interview::verdict::FALLBACK;
use rehearse_testkit::both_backends;

async fn an_edit_reaches_the_candidate_live_once_and_nothing_before(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    let owner = app.signed_up("owner@example.com").await;
    let staff = reviewer(&app, &admin, "rita@example.com").await;
    let (id, review_id) = held_answer(&app, &owner).await;

    // Before a decision the held text is nowhere the candidate can reach.
    let seen = everything_the_candidate_sees(&owner, &id).await;
    assert!(!seen.contains("95,000"), "held text leaked: {seen}");
    assert!(seen.contains("being checked by a reviewer"), "{seen}");

    let stream = connect(&owner, &id).await;
    claim(&staff, &review_id).await;
    let edited = "The job description does not state a salary; please ask the recruiter.";
    assert_eq!(
        staff
            .server_fn("edit_review", &[("id", &review_id), ("text", edited)])
            .await
            .status(),
        200
    );
    let events = read_events(stream, |e| e.event == "reviewed").await;
    let reviewed = &events.last().expect("reviewed").data;
    assert!(reviewed.contains("does not state a salary"), "{reviewed}");
    assert!(!reviewed.contains("95,000"));

    // A candidate who was away finds it on return, once; a reconnect replays no duplicate.
    let d = detail(&owner, &id).await;
    let texts: Vec<String> = d["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| m["html"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        texts
            .iter()
            .filter(|t| t.contains("does not state a salary"))
            .count(),
        1
    );
    let resumed = reconnect(&owner, &id, "2").await;
    let replay = read_some(resumed).await;
    assert!(
        !replay.contains("does not state a salary"),
        "the decided message is not replayed after event 2: {replay}"
    );
    let row = app
        .count("SELECT COUNT(*) FROM reviews WHERE status = 'edited' AND held_text LIKE '%95,000%'")
        .await;
    assert_eq!(
        row, 1,
        "the text before and after live in the review record"
    );
}
both_backends!(an_edit_reaches_the_candidate_live_once_and_nothing_before);

async fn a_rejected_answer_gives_the_honest_fallback(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    let owner = app.signed_up("owner@example.com").await;
    let (id, review_id) = held_answer(&app, &owner).await;
    // Admins review too; a decision needs a claim first.
    let refused = admin
        .server_fn("approve_review", &[("id", &review_id)])
        .await;
    assert_eq!(refused.status(), 409);
    admin.server_fn("claim_review", &[("id", &review_id)]).await;
    let empty = admin
        .server_fn("reject_review", &[("id", &review_id), ("reason", " ")])
        .await;
    assert_eq!(empty.status(), 422);
    let rejected = admin
        .server_fn(
            "reject_review",
            &[("id", &review_id), ("reason", "The salary is invented.")],
        )
        .await;
    assert_eq!(rejected.status(), 200);
    let seen = everything_the_candidate_sees(&owner, &id).await;
    assert!(!seen.contains("95,000"), "{seen}");
    assert!(seen.contains("please ask the recruiter"), "{seen}");
    assert!(FALLBACK.contains("please ask the recruiter"));
    // The queue no longer lists it.
    let queue = json(admin.server_fn("review_queue", &[]).await).await;
    assert_eq!(queue.as_array().map(Vec::len), Some(0));
}
both_backends!(a_rejected_answer_gives_the_honest_fallback);
