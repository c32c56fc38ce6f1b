//! Job descriptions over HTTP: uploading (multipart, as a browser form does), ingestion in the
//! server's background worker, access control, bad files, and a candidate asking about pay in
//! an interview on an uploaded role.
//!
//! Longer than 400 lines on purpose: uploads, ingestion, versions and answers share one job description and its helpers; split by scenario, each file would repeat them.

use crate::support::{json, Backend, Client, TestApp};
use rehearse_testkit::both_backends;
use std::time::Duration;

pub const JD: &str = "# Search Platform Engineer\n\nYou will join the search team in Lisbon that runs product search for 40 million shoppers.\n\n## Requirements\n- 4+ years building backend services in Rust or Go\n- Operating Elasticsearch or OpenSearch clusters in production\n- Designing Kafka consumers that index data in near real time\n\n## How we work\n- Everyone joins the on-call rotation, one week in six\n- We deploy to Kubernetes several times a day\n\n## Benefits\n- 28 days of holiday\n- A yearly learning budget for books and conferences\n";

pub async fn upload(
    client: &Client,
    name: &str,
    bytes: Vec<u8>,
    jd_id: Option<&str>,
) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new().text("text", "").part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
    );
    if let Some(id) = jd_id {
        form = form.text("jd_id", id.to_owned());
    }
    client
        .http
        .post(client.url("/admin/jds/upload"))
        .multipart(form)
        .send()
        .await
        .expect("upload")
}

/// Waits for the server's worker to finish ingesting, returning the job description's detail.
pub async fn until_ingested(admin: &Client, jd_id: &str) -> serde_json::Value {
    for _ in 0..600 {
        let d = json(admin.server_fn("jd_detail", &[("id", jd_id)]).await).await;
        let status = d["versions"][0]["status"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if status == "ready" || status == "failed" {
            return d;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("ingestion never finished");
}

pub async fn detail(client: &Client, id: &str) -> serde_json::Value {
    json(client.server_fn("interview_detail", &[("id", id)]).await).await
}

/// Sends a message and waits for the interviewer's reply to it; returns the new messages' HTML.
pub async fn say(client: &Client, id: &str, text: &str, key: &str) -> Vec<String> {
    let before = detail(client, id).await["messages"]
        .as_array()
        .map(Vec::len)
        .unwrap_or(0);
    let sent = client
        .server_fn("send_message", &[("id", id), ("text", text), ("key", key)])
        .await;
    assert_eq!(
        sent.status(),
        200,
        "{}",
        sent.text().await.unwrap_or_default()
    );
    for _ in 0..400 {
        let d = detail(client, id).await;
        let messages = d["messages"].as_array().cloned().unwrap_or_default();
        if messages.len() >= before + 2
            && messages
                .last()
                .is_some_and(|m| m["author"] == "interviewer")
        {
            return messages[before..]
                .iter()
                .map(|m| m["html"].as_str().unwrap_or_default().to_owned())
                .collect();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no reply to {text}");
}

/// Answers every question with `answer` until the interviewer invites the candidate's own
/// questions about the role.
pub async fn until_invited(candidate: &Client, id: &str, answer: &str) {
    for turn in 0..10 {
        let replies = say(candidate, id, answer, &format!("answer-{turn}")).await;
        if replies
            .iter()
            .any(|h| h.contains("What would you like to know about the role"))
        {
            return;
        }
    }
    panic!("the interview never reached the candidate's questions");
}

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
    let started = candidate
        .server_fn(
            "start_interview",
            &[
                ("role", &slug),
                ("kind", "technical"),
                ("difficulty", "mid"),
            ],
        )
        .await;
    let location = started
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let id = match location {
        Some(l) => l.trim_start_matches("/interviews/").to_owned(),
        None => serde_json::from_str::<String>(&started.text().await.expect("body")).expect("id"),
    };
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

async fn bad_uploads_get_errors_admins_can_act_on(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.txt", Vec::new(), "empty"),
        ("photo.png", vec![0x89, b'P', b'N', b'G', 0, 0, 1, 2], "Only .txt, .md and .pdf"),
        ("binary.txt", [JD.as_bytes(), &[0u8, 1, 2, 3]].concat(), "binary"),
        ("latin1.txt", JD.replace("Lisbon", "Lisb\u{f3}a").chars().map(|c| c as u32 as u8).collect(), "UTF-8"),
        ("broken.pdf", b"%PDF-1.7 not really".to_vec(), "PDF"),
        ("notes.md", b"# Role\n\nWe need someone good at things and also other things, who will do the work that needs doing here every day of the week. Our customers rely on us and we rely on each other to keep the lights on.".to_vec(), "No requirements"),
        ("de.md", "# Backend-Entwicklerin\n\nWir suchen eine erfahrene Backend-Entwicklerin, die mit uns die Zahlungsplattform weiterentwickelt. Du arbeitest in einem kleinen Team und betreibst unsere Dienste.\n\n## Anforderungen\n- Mehrjährige Erfahrung mit Rust oder Go und verteilten Systemen\n- Sehr gute Kenntnisse in PostgreSQL und im Betrieb von Datenbanken\n".as_bytes().to_vec(), "German"),
    ];
    for (name, bytes, expected) in cases {
        let response = upload(&admin, name, bytes, None).await;
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        assert_eq!(status, 422, "{name}: {body}");
        assert!(
            body.contains(expected),
            "{name}: expected {expected:?} in {body}"
        );
    }
    // The server answers 413 from the declared length; it may close the connection before the
    // client has finished writing the body, which the client sees as a failed send. The request
    // asks for its connection to be closed so that the pool never hands the half-written
    // connection to the next request (which then failed with a broken pipe on a loaded machine).
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(vec![b'a'; 2 * 1024 * 1024]).file_name("big.txt"),
    );
    match admin
        .http
        .post(admin.url("/admin/jds/upload"))
        .header(reqwest::header::CONNECTION, "close")
        .multipart(form)
        .send()
        .await
    {
        Ok(response) => assert_eq!(response.status(), 413),
        Err(e) => assert!(e.is_request(), "{e}"),
    }
    assert!(json(admin.server_fn("list_jds", &[]).await)
        .await
        .as_array()
        .is_some_and(Vec::is_empty));

    // Only admins manage job descriptions, on every route and server function.
    let candidate = app.signed_up("dan@example.com").await;
    assert_eq!(
        upload(&candidate, "jd.md", JD.as_bytes().to_vec(), None)
            .await
            .status(),
        403
    );
    // A visitor is sent to sign in (the page guard covers everything under /admin).
    let visitor = upload(&app.client(), "jd.md", JD.as_bytes().to_vec(), None)
        .await
        .status();
    assert!(visitor == 401 || visitor == 303, "{visitor}");
    for f in [
        "list_jds",
        "jd_detail",
        "try_question",
        "retry_ingestion",
        "delete_jd",
    ] {
        let status = candidate
            .server_fn(f, &[("id", "x"), ("version_id", "x"), ("question", "x")])
            .await
            .status();
        assert_eq!(status, 403, "{f}");
    }
}
both_backends!(bad_uploads_get_errors_admins_can_act_on);

async fn versions_pin_and_deletion_removes_the_role(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    let created = json(upload(&admin, "search.md", JD.as_bytes().to_vec(), None).await).await;
    let jd_id = created["jd_id"].as_str().expect("id").to_owned();
    until_ingested(&admin, &jd_id).await;
    let edited = JD.replace("one week in six", "one week in eight");
    let v2 = json(upload(&admin, "search-v2.md", edited.into_bytes(), Some(&jd_id)).await).await;
    assert_eq!(v2["version"], 2);
    let d = until_ingested(&admin, &jd_id).await;
    assert_eq!(d["versions"].as_array().map(Vec::len), Some(2));
    // The old version stays readable.
    let v1_id = created["version_id"].as_str().expect("v1");
    let old = json(
        admin
            .server_fn("jd_detail", &[("id", &jd_id), ("version", v1_id)])
            .await,
    )
    .await;
    assert!(old["body"]
        .as_str()
        .unwrap_or_default()
        .contains("one week in six"));
    // Candidates are offered the newest version only.
    let candidate = app.signed_up("eve@example.com").await;
    let roles = json(candidate.server_fn("list_roles", &[]).await).await;
    let offered: Vec<String> = roles
        .as_array()
        .expect("roles")
        .iter()
        .filter_map(|r| r["slug"].as_str().map(str::to_owned))
        .filter(|s| s.starts_with("jd:"))
        .collect();
    assert_eq!(
        offered,
        vec![format!("jd:{}", v2["version_id"].as_str().expect("v2"))]
    );

    // An admin merges two requirements and drops one: a new version with the same text.
    let v2_id = v2["version_id"].as_str().expect("v2");
    // The second carries the points a strong answer covers, indented under it.
    let edited = "4+ years building backend services in Rust or Go, operating Elasticsearch clusters\nDesigning Kafka consumers that index data in near real time\n  - consumer lag alerts\n  - replaying a partition after a bad deploy";
    let saved = admin
        .server_fn(
            "edit_requirements",
            &[("version_id", v2_id), ("requirements", edited)],
        )
        .await;
    assert_eq!(saved.status(), 200);
    assert_eq!(json(saved).await, 3);
    let d = until_ingested(&admin, &jd_id).await;
    assert_eq!(
        d["versions"][0]["requirement_lines"],
        serde_json::json!([
            "4+ years building backend services in Rust or Go, operating Elasticsearch clusters",
            "Designing Kafka consumers that index data in near real time",
            "  - consumer lag alerts",
            "  - replaying a partition after a bad deploy"
        ])
    );
    assert!(d["versions"][0]["requirements"][1]
        .as_str()
        .unwrap_or_default()
        .ends_with(
            "a strong answer covers: consumer lag alerts; replaying a partition after a bad deploy"
        ));
    assert!(d["versions"][0]["source"]
        .as_str()
        .unwrap_or_default()
        .ends_with("(requirements edited)"));
    // One requirement is too few; a candidate may not edit at all.
    let refused = admin
        .server_fn(
            "edit_requirements",
            &[("version_id", v2_id), ("requirements", "Only Rust")],
        )
        .await;
    assert_eq!(refused.status(), 422);
    assert!(refused
        .text()
        .await
        .unwrap_or_default()
        .contains("at least two"));
    assert_eq!(
        candidate
            .server_fn(
                "edit_requirements",
                &[("version_id", v2_id), ("requirements", edited)]
            )
            .await
            .status(),
        403
    );

    assert_eq!(
        admin
            .server_fn("delete_jd", &[("id", &jd_id)])
            .await
            .status(),
        200
    );
    let roles = json(candidate.server_fn("list_roles", &[]).await).await;
    assert!(!roles
        .as_array()
        .expect("roles")
        .iter()
        .any(|r| r["slug"].as_str().is_some_and(|s| s.starts_with("jd:"))));
    assert!(json(admin.server_fn("list_jds", &[]).await)
        .await
        .as_array()
        .is_some_and(Vec::is_empty));
}
both_backends!(versions_pin_and_deletion_removes_the_role);
