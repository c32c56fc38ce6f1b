//! A sensitive topic on an uploaded role: held by the verdict, queued by reason and role, shown
//! to the reviewer with its passages and trace, approved, and then read once.

use super::{
    approve, assert_held, assert_made_by, at_the_candidates_questions, held_item, review_queue,
};
use crate::knowledge::{detail, say};
use crate::support::{json, Backend, TestApp};
use rehearse_testkit::both_backends;

/// The whole path on an uploaded role: a question about benefits is held by the verdict
/// (sensitive topic), shown to the reviewer with its passages, approved, and then read.
async fn a_benefits_question_on_an_uploaded_role_is_held_until_approved(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, candidate, id) = at_the_candidates_questions(&app).await;
    let replies = say(
        &candidate,
        &id,
        "What benefits come with the role, like a learning budget?",
        "ask-benefits",
    )
    .await;
    assert_held(&replies, "learning budget");

    let queue = review_queue(&admin, "sensitive").await;
    let item = &queue.as_array().expect("queue")[0];
    assert!(item["question"]
        .as_str()
        .unwrap_or_default()
        .contains("benefits"));
    let review_id = item["id"].as_str().expect("id").to_owned();
    // Filtered by job description: this role's queue has it, another role's does not.
    let role = item["role"].as_str().expect("role").to_owned();
    assert!(role.starts_with("jd:"), "{item:#}");
    let mine = json(admin.server_fn("review_queue", &[("role", &role)]).await).await;
    assert_eq!(mine.as_array().map(Vec::len), Some(1), "{mine:#}");
    let other = json(
        admin
            .server_fn("review_queue", &[("role", "backend-rust")])
            .await,
    )
    .await;
    assert_eq!(other.as_array().map(Vec::len), Some(0), "{other:#}");
    let full = held_item(&admin, &review_id, "learning budget").await;
    assert!(
        full["passages"].as_array().is_some_and(|p| !p.is_empty()),
        "{full:#}"
    );
    // A quoted answer makes no model call, yet has a trace: the retrieval, every chunk with
    // its scores, and the verdict.
    assert_made_by(&full, "Quoted");
    let trace = &full["trace"];
    assert!(
        trace["chunks"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c["passed"] == true)),
        "{full:#}"
    );
    assert_eq!(trace["full_trace"], true, "admins may open the full trace");
    admin.server_fn("claim_review", &[("id", &review_id)]).await;
    approve(&admin, &review_id).await;
    let d = detail(&candidate, &id).await;
    let shown = d["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter(|m| {
            m["author"] == "interviewer"
                && m["html"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("learning budget")
        })
        .count();
    assert_eq!(shown, 1, "approved and shown once: {d:#}");
}
both_backends!(a_benefits_question_on_an_uploaded_role_is_held_until_approved);
