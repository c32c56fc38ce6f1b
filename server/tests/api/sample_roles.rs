//! The built-in sample roles answer questions about themselves the way an uploaded job
//! description does: through the knowledge base's retrieval and grounding check, quoted and
//! cited, with a retrieval trace; their job descriptions are the product's, so admins do not
//! see them in their list and candidates are not offered them twice.

use crate::interviews::start;
use crate::knowledge::{detail, say, until_invited};
use crate::support::Client;
use crate::support::{json, Backend, TestApp};
use rehearse_testkit::both_backends;

/// Waits until the interviewer's turn is over and the candidate may write again (a turn can
/// post its last message before it ends).
async fn until_writable(candidate: &Client, id: &str) {
    for _ in 0..400 {
        if detail(candidate, id).await["can_write"] == true {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the interview never took a message again");
}

const ANSWER: &str = "In my last job we built an async payments service in Rust on tokio; I designed the PostgreSQL schema and its indexes, ran it with metrics and alerts on an SLO, and wrote the retry layer and timeouts myself.";

async fn a_sample_role_is_answered_from_its_built_in_job_description(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let candidate = app.signed_up("sam@example.com").await;
    let id = start(&candidate).await;
    until_invited(&candidate, &id, ANSWER).await;

    until_writable(&candidate, &id).await;
    let replies = say(
        &candidate,
        &id,
        "Which database would I be designing schemas for?",
        "ask-database",
    )
    .await;
    let reply = replies
        .iter()
        .find(|h| h.contains("From the job description"))
        .unwrap_or_else(|| panic!("no quoted answer in {replies:?}"));
    assert!(reply.contains("PostgreSQL schemas"), "{reply}");
    // A sensitive question the sample's text answers is held for a reviewer, like an upload's
    // (the candidate's last question: "what does it pay" on a sample is the browser test's).
    until_writable(&candidate, &id).await;
    let pension = say(&candidate, &id, "Do you offer a pension?", "ask-pension").await;
    let held = pension
        .iter()
        .find(|h| h.contains("reviewer"))
        .unwrap_or_else(|| panic!("no answer in {pension:?}"));
    assert!(held.contains("being checked by a reviewer"), "{pension:?}");
    assert!(!held.contains("employer contribution"), "{held}");

    // The product's own job descriptions are not an admin's to manage, nor a second role.
    let admin = app.admin().await;
    let listed = json(admin.server_fn("list_jds", &[]).await).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(0), "{listed:#}");
    let roles = json(candidate.server_fn("list_roles", &[]).await).await;
    let slugs: Vec<&str> = roles
        .as_array()
        .expect("roles")
        .iter()
        .filter_map(|r| r["slug"].as_str())
        .collect();
    assert_eq!(
        slugs,
        ["backend-rust", "platform-go", "data-infra"],
        "{roles:#}"
    );

    // Admins see the knowledge base's caches: the sample's index, built when its job
    // description was ingested on the first question, served both questions.
    let status = json(admin.server_fn("ai_overview", &[]).await).await;
    let caches = status["caches"].as_array().expect("caches");
    let index = caches
        .iter()
        .find(|c| c["name"] == "job-description search indexes")
        .unwrap_or_else(|| panic!("{status:#}"));
    assert_eq!(index["misses"], 0, "{status:#}");
    assert!(index["hits"].as_u64() >= Some(2), "{status:#}");
    assert!(index["hit_rate"].as_f64() > Some(0.0), "{status:#}");
}
both_backends!(a_sample_role_is_answered_from_its_built_in_job_description);
