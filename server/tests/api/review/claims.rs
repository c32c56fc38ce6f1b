//! Claims: of two reviewers racing for one item exactly one claims and decides it, once.

use super::{held_answer, reviewer};
use crate::support::{Backend, TestApp};
use rehearse_testkit::both_backends;

async fn two_reviewers_never_both_decide_one_item(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    let owner = app.signed_up("owner@example.com").await;
    let first = reviewer(&app, &admin, "ann@example.com").await;
    let second = reviewer(&app, &admin, "ben@example.com").await;
    let (_, review_id) = held_answer(&app, &owner).await;
    let args = [("id", review_id.as_str())];
    let (a, b) = tokio::join!(
        first.server_fn("claim_review", &args),
        second.server_fn("claim_review", &args)
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409], "exactly one claim wins");
    let (winner, loser) = if a.status() == 200 {
        (&first, &second)
    } else {
        (&second, &first)
    };
    let reject = [("id", review_id.as_str()), ("reason", "mine")];
    let (w, l) = tokio::join!(
        winner.server_fn("approve_review", &args),
        loser.server_fn("reject_review", &reject)
    );
    assert_eq!(w.status(), 200);
    assert_eq!(l.status(), 409);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM reviews WHERE status = 'approved'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE kind = 'review_decided'")
            .await,
        1
    );
    // A decided item cannot be claimed or decided again.
    assert_eq!(loser.server_fn("claim_review", &args).await.status(), 409);
}
both_backends!(two_reviewers_never_both_decide_one_item);
