//! Human review over HTTP: a sensitive question about an uploaded role is held; reviewers (and
//! only staff) see, claim and decide it; the decision reaches the candidate live, exactly once;
//! and the held text never reaches the candidate before approval.
//!
//! Longer than 400 lines on purpose: each review endpoint's rules and the held-answer story share their fixtures; split by scenario, each file would repeat them.

use crate::interviews::start;
use crate::knowledge::{detail, say, until_ingested, until_invited, upload, JD};
use crate::support::{html, json, Backend, Client, TestApp};
use futures::StreamExt;
use rehearse_interview::review::Hold;
use rehearse_interview::store::{Grounded, InterviewStore, Submitted};
use rehearse_interview::verdict::{HoldReason, SensitiveTopic, FALLBACK};
use rehearse_testkit::both_backends;
use std::time::Duration;

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

/// Everything the candidate can fetch about the interview, as text.
async fn everything_the_candidate_sees(candidate: &Client, id: &str) -> String {
    let detail = candidate
        .server_fn("interview_detail", &[("id", id)])
        .await
        .text()
        .await
        .expect("detail");
    let history = candidate
        .server_fn("my_interviews", &[])
        .await
        .text()
        .await
        .expect("history");
    let page = candidate
        .http
        .get(candidate.url(&format!("/interviews/{id}")))
        .header("accept", "text/html")
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("page body");
    let stream = candidate
        .http
        .get(candidate.url(&format!("/interviews/{id}/events")))
        .send()
        .await
        .expect("events");
    let first = read_some(stream).await;
    let traces = candidate
        .server_fn("list_traces", &[])
        .await
        .text()
        .await
        .expect("traces");
    format!("{detail}\n{history}\n{page}\n{first}\n{traces}")
}

/// The first events of a stream (the stored messages), as raw text.
async fn read_some(response: reqwest::Response) -> String {
    let mut stream = response.bytes_stream();
    let mut text = String::new();
    while let Ok(Some(Ok(chunk))) =
        tokio::time::timeout(Duration::from_millis(500), stream.next()).await
    {
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    text
}

/// Reads events until one named `name` arrives; returns every event's name and data.
async fn until_event(response: reqwest::Response, name: &str) -> Vec<(String, String)> {
    let mut stream = response.bytes_stream();
    let mut buffer = String::new();
    let mut events = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let chunk = tokio::time::timeout_at(deadline, stream.next())
            .await
            .unwrap_or_else(|_| panic!("no {name} event in time: {events:?}"))
            .expect("open")
            .expect("bytes");
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let mut event = ("message".to_owned(), String::new());
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    event.0 = v.trim().to_owned();
                } else if let Some(v) = line.strip_prefix("data:") {
                    event.1.push_str(v.trim());
                }
            }
            if event.1.is_empty() {
                continue;
            }
            let done = event.0 == name;
            events.push(event);
            if done {
                return events;
            }
        }
    }
}

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

    let stream = owner
        .http
        .get(owner.url(&format!("/interviews/{id}/events")))
        .send()
        .await
        .expect("events");
    assert_eq!(
        staff
            .server_fn("claim_review", &[("id", &review_id)])
            .await
            .status(),
        200
    );
    let edited = "The job description does not state a salary; please ask the recruiter.";
    assert_eq!(
        staff
            .server_fn("edit_review", &[("id", &review_id), ("text", edited)])
            .await
            .status(),
        200
    );
    let events = until_event(stream, "reviewed").await;
    let reviewed = &events.last().expect("reviewed").1;
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
    let resumed = owner
        .http
        .get(owner.url(&format!("/interviews/{id}/events")))
        .header("last-event-id", "2")
        .send()
        .await
        .expect("reconnect");
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

/// The whole path on an uploaded role: a question about benefits is held by the verdict
/// (sensitive topic), shown to the reviewer with its passages, approved, and then read.
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
    let held = replies.last().expect("reply");
    assert!(held.contains("being checked by a reviewer"), "{held}");
    assert!(!held.contains("learning budget"), "{held}");

    let queue = json(
        admin
            .server_fn("review_queue", &[("reason", "sensitive")])
            .await,
    )
    .await;
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
    let full = json(admin.server_fn("review_item", &[("id", &review_id)]).await).await;
    assert!(
        full["held_text"]
            .as_str()
            .unwrap_or_default()
            .contains("learning budget"),
        "{full:#}"
    );
    assert!(
        full["passages"].as_array().is_some_and(|p| !p.is_empty()),
        "{full:#}"
    );
    // A quoted answer makes no model call, yet has a trace: the retrieval, every chunk with
    // its scores, and the verdict.
    let trace = &full["trace"];
    assert!(
        trace["made_by"]
            .as_str()
            .unwrap_or_default()
            .contains("Quoted"),
        "{full:#}"
    );
    assert!(
        trace["chunks"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c["passed"] == true)),
        "{full:#}"
    );
    assert_eq!(trace["full_trace"], true, "admins may open the full trace");
    admin.server_fn("claim_review", &[("id", &review_id)]).await;
    assert_eq!(
        admin
            .server_fn("approve_review", &[("id", &review_id)])
            .await
            .status(),
        200
    );
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

/// A capable model writing answers about the role (`answers = "generative"`), played by a
/// double: it searches with its one tool, then writes an answer with a figure the job
/// description never states. The grounding check holds it; the reviewer sees the model's
/// conversation (no system prompt unless admin) and the candidate only the notice.
struct Writer;

#[async_trait::async_trait]
impl rehearse_llm::ChatModel for Writer {
    fn provider(&self) -> &str {
        "scripted"
    }
    fn model(&self) -> &str {
        "writer"
    }
    async fn stream(
        &self,
        request: &rehearse_llm::ChatRequest,
    ) -> Result<rehearse_llm::EventStream, rehearse_llm::LlmError> {
        use rehearse_knowledge::generative::SEARCH_TOOL;
        use rehearse_llm::scripted::{Script, ScriptedModel};
        let searching = request.tools.iter().any(|t| t.name == SEARCH_TOOL);
        let searched = request
            .messages
            .iter()
            .any(|m| m.role == rehearse_llm::MessageRole::Tool);
        let script = match (searching, searched) {
            (true, false) => Script::tool(SEARCH_TOOL, "{\"query\": \"holiday\"}"),
            (true, true) => Script::text("You get 35 days of holiday a year [1]."),
            (false, _) => Script::text("Could you tell me about that?"),
        };
        ScriptedModel::new(vec![script]).stream(request).await
    }
}

async fn a_written_answer_with_an_unstated_figure_is_held_with_its_trace(backend: Backend) {
    let app = TestApp::spawn_with_model(
        backend,
        |s| {
            s.llm.provider = rehearse_settings::LlmProvider::Openai;
            s.llm.model = Some("writer".into());
            s.llm.free = true;
            s.llm.capable = true;
            s.knowledge.answers = rehearse_settings::AnswerMode::Generative;
        },
        std::sync::Arc::new(Writer),
    )
    .await;
    let (admin, candidate, id) = at_the_candidates_questions(&app).await;
    let replies = say(&candidate, &id, "How much holiday do I get?", "ask-holiday").await;
    let held = replies.last().expect("reply");
    assert!(held.contains("being checked by a reviewer"), "{held}");
    assert!(!held.contains("35 days"), "{held}");

    let queue = json(
        admin
            .server_fn("review_queue", &[("reason", "ungrounded")])
            .await,
    )
    .await;
    let item = &queue.as_array().expect("queue")[0];
    let review_id = item["id"].as_str().expect("id").to_owned();
    let full = json(admin.server_fn("review_item", &[("id", &review_id)]).await).await;
    assert!(
        full["held_text"]
            .as_str()
            .unwrap_or_default()
            .contains("35 days"),
        "{full:#}"
    );
    let trace = &full["trace"];
    assert!(
        trace["made_by"]
            .as_str()
            .unwrap_or_default()
            .contains("writer"),
        "{full:#}"
    );
    let messages = trace["messages"].as_array().expect("messages");
    assert!(
        messages.iter().any(|m| m["role"] == "tool"
            && m["content"]
                .as_str()
                .unwrap_or_default()
                .contains("28 days")),
        "the passages the search returned: {full:#}"
    );
    assert!(
        messages.iter().any(|m| m["role"] == "system"),
        "admins see it"
    );

    // A reviewer who is not an admin sees the same trace without the system prompt.
    let reviewer = reviewer(&app, &admin, "rita@example.com").await;
    let seen = json(
        reviewer
            .server_fn("review_item", &[("id", &review_id)])
            .await,
    )
    .await;
    let messages = seen["trace"]["messages"].as_array().expect("messages");
    assert!(!messages.is_empty());
    assert!(messages.iter().all(|m| m["role"] != "system"), "{seen:#}");
    assert_eq!(seen["trace"]["full_trace"], false);

    // The candidate's own view has neither the held text nor the trace.
    let everything = everything_the_candidate_sees(&candidate, &id).await;
    assert!(!everything.contains("35 days"), "{everything}");
}
both_backends!(a_written_answer_with_an_unstated_figure_is_held_with_its_trace);

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
