//! Human review over HTTP: a sensitive question about an uploaded role is held; reviewers (and
//! only staff) see, claim and decide it; the decision reaches the candidate live, exactly once;
//! and the held text never reaches the candidate before approval. The fixtures here (a reviewer,
//! a held answer, an uploaded role's interview at the candidate's questions) are shared by the
//! scenario modules; other API tests start from `at_the_candidates_questions` too.

use crate::interviews::{start, start_on};
use crate::knowledge::{until_ingested, until_invited, upload, JD};
use crate::support::{json, listed_user_id, Client, TestApp};
use rehearse_interview::review::Hold;
use rehearse_interview::store::{Grounded, InterviewStore, Submitted};
use rehearse_interview::verdict::{HoldReason, SensitiveTopic};

mod candidate_view;

mod access;
mod claims;
mod delivery;
mod metrics;
mod sensitive_topics;
mod ungrounded_answers;

const HELD: &str = "From the job description: the salary is 95,000 EUR [1].";

/// A reviewer: signed up, then given the role by an admin.
pub(crate) async fn reviewer(app: &TestApp, admin: &Client, email: &str) -> Client {
    let client = app.signed_up(email).await;
    let id = listed_user_id(admin, email).await;
    let changed = admin
        .server_fn("change_role", &[("user_id", &id), ("role", "reviewer")])
        .await;
    assert_eq!(changed.status(), 200, "{:?}", changed.text().await);
    client
}

/// A held answer in the candidate's interview, stored the way a turn stores one: through the
/// interview store, which opens its review in the same transaction.
async fn held_answer(app: &TestApp, candidate: &Client) -> (String, String) {
    let interview_id = start(candidate).await;
    let db = rehearse_db::Db::connect(&app.db_url).await.expect("db");
    let stored = InterviewStore::new(&db)
        .append_grounded(
            &interview_id,
            rehearse_interview::store::Author::Interviewer,
            HELD,
            None,
            Some("reply:test:0"),
            None,
            Grounded {
                held: true,
                hold: Some(Hold {
                    question: "What does it pay?".into(),
                    reasons: vec![HoldReason::Sensitive {
                        topic: SensitiveTopic::Compensation,
                    }],
                    deadline_at: None,
                }),
                ..Grounded::default()
            },
        )
        .await
        .expect("held answer");
    assert!(matches!(stored, Submitted::New(_)));
    let review_id = InterviewStore::new(&db)
        .reviews()
        .queue(&Default::default())
        .await
        .expect("queue")
        .into_iter()
        .find(|r| r.interview_id == interview_id)
        .expect("a review opened with the message")
        .id;
    (interview_id, review_id)
}

/// An uploaded role's interview played up to the candidate's questions: the admin, the
/// candidate and the interview's id.
pub(crate) async fn at_the_candidates_questions(app: &TestApp) -> (Client, Client, String) {
    let admin = app.admin().await;
    let created = json(upload(&admin, "search.md", JD.as_bytes().to_vec(), None).await).await;
    let jd_id = created["jd_id"].as_str().expect("jd id").to_owned();
    let version_id = created["version_id"].as_str().expect("version").to_owned();
    assert_eq!(
        until_ingested(&admin, &jd_id).await["versions"][0]["status"],
        "ready"
    );
    let candidate = app.signed_up("cleo@example.com").await;
    let id = start_on(&candidate, &format!("jd:{version_id}")).await;
    let answer = "In my last role we built Rust services with tokio that consumed Kafka topics and indexed them into OpenSearch; I designed the consumers, tuned the cluster, and we cut indexing lag from minutes to 2 seconds.";
    until_invited(&candidate, &id, answer).await;
    (admin, candidate, id)
}

/// Asserts that the candidate's last reply is the notice that an answer is being checked, and
/// that it does not give away the held answer, which says `held`.
#[track_caller]
pub(crate) fn assert_held(replies: &[String], held: &str) {
    let notice = replies.last().expect("reply");
    assert!(notice.contains("being checked by a reviewer"), "{notice}");
    assert!(!notice.contains(held), "{notice}");
}

/// The review queue as `staff` sees it, filtered by the reason answers were held for.
pub(crate) async fn review_queue(staff: &Client, reason: &str) -> serde_json::Value {
    json(staff.server_fn("review_queue", &[("reason", reason)]).await).await
}

/// Review item `review_id` as `staff` sees it, asserting that its held text says `held`.
pub(crate) async fn held_item(staff: &Client, review_id: &str, held: &str) -> serde_json::Value {
    let item = json(staff.server_fn("review_item", &[("id", review_id)]).await).await;
    assert!(
        item["held_text"]
            .as_str()
            .unwrap_or_default()
            .contains(held),
        "{item:#}"
    );
    item
}

/// Asserts that the trace of review item `item` names `made_by` as what made the answer.
#[track_caller]
fn assert_made_by(item: &serde_json::Value, made_by: &str) {
    assert!(
        item["trace"]["made_by"]
            .as_str()
            .unwrap_or_default()
            .contains(made_by),
        "{item:#}"
    );
}

/// Claims review item `review_id` as `staff`, asserting that the claim is granted.
pub(crate) async fn claim(staff: &Client, review_id: &str) {
    let claimed = staff.server_fn("claim_review", &[("id", review_id)]).await;
    assert_eq!(claimed.status(), 200, "claim {review_id}");
}

/// Approves review item `review_id`, claimed by `staff`, asserting that the approval succeeds.
pub(crate) async fn approve(staff: &Client, review_id: &str) {
    let approved = staff
        .server_fn("approve_review", &[("id", review_id)])
        .await;
    assert_eq!(approved.status(), 200, "approve {review_id}");
}
