//! Who may use review: the endpoints and pages admit staff only; the staff badge counts the queue.

use super::{held_answer, reviewer};
use crate::support::{html, json, Backend, TestApp};
use rehearse_testkit::both_backends;

async fn review_endpoints_admit_staff_only(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    let owner = app.signed_up("owner@example.com").await;
    let other = app.signed_up("other@example.com").await;
    let staff = reviewer(&app, &admin, "rita@example.com").await;
    let (_, review_id) = held_answer(&app, &owner).await;
    let anonymous = app.client();
    let calls: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("review_queue", vec![]),
        ("review_item", vec![("id", &review_id)]),
        ("claim_review", vec![("id", &review_id)]),
        ("approve_review", vec![("id", &review_id)]),
        ("edit_review", vec![("id", &review_id), ("text", "Edited.")]),
        ("reject_review", vec![("id", &review_id), ("reason", "No.")]),
    ];
    for (name, args) in &calls {
        assert_eq!(
            anonymous.server_fn(name, args).await.status(),
            401,
            "{name} anonymous"
        );
        for (who, client) in [("owner", &owner), ("another candidate", &other)] {
            assert_eq!(
                client.server_fn(name, args).await.status(),
                403,
                "{name} as {who}"
            );
        }
    }
    for (who, client) in [("reviewer", &staff), ("admin", &admin)] {
        assert_eq!(
            client.server_fn("review_queue", &[]).await.status(),
            200,
            "{who}"
        );
        assert_eq!(
            client
                .server_fn("review_item", &[("id", &review_id)])
                .await
                .status(),
            200,
            "{who}"
        );
    }
    // The pages too: visitors are sent to sign in, candidates refused, staff served.
    assert_eq!(anonymous.get("/review").await.status(), 303);
    assert_eq!(owner.get("/review").await.status(), 403);
    assert_eq!(staff.get("/review").await.status(), 200);
    let item = html(staff.get(&format!("/review/{review_id}")).await).await;
    assert!(item.contains("What does it pay?"), "{item}");
    assert!(item.contains("Sensitive topic: pay and benefits"), "{item}");
    // The staff badge counts the queue.
    let me = json(staff.server_fn("whoami", &[]).await).await;
    assert_eq!(me["review_queue"], 1);
    let candidate_me = json(owner.server_fn("whoami", &[]).await).await;
    assert!(candidate_me["review_queue"].is_null());
}
both_backends!(review_endpoints_admit_staff_only);
