//! Review metrics: for admins only, counted from the stored decisions; an edit shows as a diff.

use super::{held_answer, reviewer};
use crate::support::{html, json, Backend, TestApp};
use rehearse_testkit::both_backends;

/// Review metrics are for admins (not reviewers, not candidates); they count the stored
/// decisions; an edit shows as a diff on the item page.
async fn review_metrics_are_for_admins_and_count_decisions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    let owner = app.signed_up("owner@example.com").await;
    let staff = reviewer(&app, &admin, "rita@example.com").await;
    let (_, review_id) = held_answer(&app, &owner).await;
    assert_eq!(
        app.client().server_fn("review_metrics", &[]).await.status(),
        401
    );
    for (who, client) in [("candidate", &owner), ("reviewer", &staff)] {
        assert_eq!(
            client.server_fn("review_metrics", &[]).await.status(),
            403,
            "{who}"
        );
    }
    let before = json(admin.server_fn("review_metrics", &[]).await).await;
    assert_eq!(before["pending"], 1, "{before}");
    assert!(before["oldest_pending_ms"].is_i64(), "{before}");

    let args = [("id", review_id.as_str())];
    assert_eq!(staff.server_fn("claim_review", &args).await.status(), 200);
    let edit = [
        ("id", review_id.as_str()),
        ("text", "The salary is not stated."),
    ];
    assert_eq!(staff.server_fn("edit_review", &edit).await.status(), 200);
    let after = json(admin.server_fn("review_metrics", &[]).await).await;
    assert_eq!(after["pending"], 0, "{after}");
    assert_eq!(after["overall"]["edited"], 1, "{after}");
    assert_eq!(after["overall"]["true_catches"], 1, "{after}");
    assert_eq!(after["overall"]["agreement"], 1.0, "{after}");
    assert_eq!(after["by_reason"][0]["reason"], "sensitive", "{after}");
    assert!(after["decision_p50_ms"].is_i64(), "{after}");

    assert_eq!(staff.get("/admin/review").await.status(), 403);
    let page = html(admin.get("/admin/review").await).await;
    assert!(page.contains("data-testid=\"review-metrics\""), "{page}");
    assert!(page.contains("data-testid=\"review-chart\""), "{page}");
    let item = html(staff.get(&format!("/review/{review_id}")).await).await;
    assert!(item.contains("data-testid=\"review-diff\""), "{item}");
    assert!(item.contains("<del"), "{item}");
}
both_backends!(review_metrics_are_for_admins_and_count_decisions);
