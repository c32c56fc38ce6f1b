//! An uploaded role end to end: an admin uploads and tries it, a candidate interviews on it and
//! asks about pay and on-call, and the report (on the page and as a PDF, for its owner only)
//! names where the job description states each requirement.

use super::{detail, say, until_ingested, until_invited, upload, JD};
use crate::interviews::start_on;
use crate::support::{json, Backend, TestApp};
use rehearse_testkit::both_backends;
use std::time::Duration;

async fn admins_upload_and_candidates_interview_on_the_role(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    let response = upload(&admin, "search.md", JD.as_bytes().to_vec(), None).await;
    assert_eq!(response.status(), 201);
    let created = json(response).await;
    let jd_id = created["jd_id"].as_str().expect("jd id").to_owned();
    let version_id = created["version_id"]
        .as_str()
        .expect("version id")
        .to_owned();
    let d = until_ingested(&admin, &jd_id).await;
    assert_eq!(d["versions"][0]["status"], "ready", "{d:#}");
    assert!(d["chunks"].as_array().is_some_and(|c| c.len() >= 4));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE kind = 'job_description_changed'")
            .await,
        1
    );

    // The admin's "try a question" box shows every score.
    let tried = json(
        admin
            .server_fn(
                "try_question",
                &[
                    ("version_id", &version_id),
                    ("question", "How often is on-call?"),
                ],
            )
            .await,
    )
    .await;
    assert!(
        tried["answer"]
            .as_str()
            .unwrap_or_default()
            .contains("one week in six"),
        "{tried:#}"
    );
    let top = &tried["ranked"][0];
    for field in ["cosine", "rrf", "coverage", "rerank", "passed"] {
        assert!(!top[field].is_null(), "{field} missing: {top:#}");
    }
    let page = admin.get(&format!("/admin/jds/{jd_id}")).await;
    assert_eq!(page.status(), 200);

    // A candidate sees the role, interviews on it, and asks about pay and on-call.
    let candidate = app.signed_up("cleo@example.com").await;
    let roles = json(candidate.server_fn("list_roles", &[]).await).await;
    let slug = format!("jd:{version_id}");
    assert!(
        roles
            .as_array()
            .expect("roles")
            .iter()
            .any(|r| r["slug"] == slug.as_str()),
        "{roles:#}"
    );
    let id = start_on(&candidate, &slug).await;
    let first = detail(&candidate, &id).await;
    assert!(first["messages"][0]["html"]
        .as_str()
        .unwrap_or_default()
        .contains("Search Platform Engineer"));
    let answer = "In my last role we built Rust services with tokio that consumed Kafka topics and indexed them into OpenSearch; I designed the consumers, tuned the cluster, and we cut indexing lag from minutes to 2 seconds.";
    until_invited(&candidate, &id, answer).await;
    let pay = say(
        &candidate,
        &id,
        "What is the salary for this role?",
        "ask-pay",
    )
    .await;
    let reply = pay.last().expect("reply");
    assert!(
        reply.contains("The job description does not state that."),
        "{reply}"
    );
    assert!(
        !reply.chars().any(|c| c.is_ascii_digit()),
        "a number in {reply}"
    );
    let oncall = say(
        &candidate,
        &id,
        "How often would I be on call?",
        "ask-oncall",
    )
    .await;
    // The last question the candidate may ask: its answer, then the wrap-up.
    let reply = oncall
        .iter()
        .find(|h| h.contains("one week in six"))
        .unwrap_or_else(|| panic!("no answer in {oncall:?}"));
    assert!(reply.contains("one week in six"), "{reply}");
    assert!(reply.contains("data-testid=\"citations\""), "{reply}");
    assert!(reply.contains("How we work"), "{reply}");

    // The feedback names, for every score, where the job description states the requirement,
    // both in the data and on the page the candidate reads.
    let mut report = serde_json::Value::Null;
    for _ in 0..400 {
        report = detail(&candidate, &id).await["report"].clone();
        if !report.is_null() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let scores = report["scores"].as_array().cloned().unwrap_or_default();
    assert!(!scores.is_empty(), "no report: {report:#}");
    for score in &scores {
        let source = score["source"].as_str().unwrap_or_default();
        assert!(
            source.starts_with("Search Platform Engineer > Requirements, chunk "),
            "{score:#}"
        );
    }
    // The same report as a PDF download, made on the server: its text is the report's.
    let pdf = candidate.get(&format!("/interviews/{id}/report.pdf")).await;
    assert_eq!(pdf.status(), 200);
    assert_eq!(
        pdf.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/pdf")
    );
    let bytes = pdf.bytes().await.expect("body");
    assert!(bytes.starts_with(b"%PDF"));
    let text = pdf_extract::extract_text_from_mem(&bytes).expect("a readable PDF");
    assert!(text.contains("Search Platform Engineer"), "{text}");
    assert!(text.contains("out of 5"), "{text}");
    let first = scores[0]["requirement"].as_str().unwrap_or_default();
    let start: String = first
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ");
    assert!(text.contains(&start), "{start} in {text}");
    // Nobody else gets it.
    let stranger = app.signed_up("stranger@example.com").await;
    assert_eq!(
        stranger
            .get(&format!("/interviews/{id}/report.pdf"))
            .await
            .status(),
        403
    );
    // Without a session the page guard sends the visitor to sign in, as for the report page.
    let anonymous = app
        .client()
        .get(&format!("/interviews/{id}/report.pdf"))
        .await;
    assert_eq!(anonymous.status(), 303);
    assert!(
        anonymous
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|l| l.contains("login") || l.contains("sign")),
        "{:?}",
        anonymous.headers()
    );
    let page = crate::support::html(candidate.get(&format!("/interviews/{id}")).await).await;
    assert!(
        page.contains("data-testid=\"score-source\"")
            && page.contains("Stated in the job description: ")
            && page.contains("Requirements, chunk "),
        "the report page does not show where requirements are stated"
    );
}
both_backends!(admins_upload_and_candidates_interview_on_the_role);
