//! Human review over HTTP: a sensitive question about an uploaded role is held; reviewers (and
//! only staff) see, claim and decide it; the decision reaches the candidate live, exactly once;
//! and the held text never reaches the candidate before approval. The fixtures here (a reviewer,
//! a held answer, an uploaded role's interview at the candidate's questions) are shared by the
//! scenario modules; other API tests start from `at_the_candidates_questions` too.

use crate::interviews::start;
use crate::knowledge::{until_ingested, until_invited, upload, JD};
use crate::support::{json, Client, TestApp};
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
async fn reviewer(app: &TestApp, admin: &Client, email: &str) -> Client {
    let client = app.signed_up(email).await;
    let users = json(admin.server_fn("list_users", &[]).await).await;
    let id = users
        .as_array()
        .expect("users")
        .iter()
        .find(|u| u["email"] == email)
        .and_then(|u| u["id"].as_str())
        .expect("the reviewer's id")
        .to_owned();
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
    let started = candidate
        .server_fn(
            "start_interview",
            &[
                ("role", &format!("jd:{version_id}")),
                ("kind", "technical"),
                ("difficulty", "mid"),
            ],
        )
        .await;
    let id = match started
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
    {
        Some(l) => l.trim_start_matches("/interviews/").to_owned(),
        None => serde_json::from_str::<String>(&started.text().await.expect("body")).expect("id"),
    };
    let answer = "In my last role we built Rust services with tokio that consumed Kafka topics and indexed them into OpenSearch; I designed the consumers, tuned the cluster, and we cut indexing lag from minutes to 2 seconds.";
    until_invited(&candidate, &id, answer).await;
    (admin, candidate, id)
}
