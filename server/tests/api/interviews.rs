//! Interviews over HTTP: starting, the live event stream and its resumption, and who may see
//! or write in an interview.
//!
//! Longer than 400 lines on purpose: the interview's HTTP surface (start, send, stop, resume, prompts, traces) shares its helpers; split by scenario, each file would repeat them.

use crate::support::{json, Backend, Client, TestApp};
use futures::StreamExt;
use rehearse_testkit::both_backends;
use std::time::Duration;

pub async fn start(client: &Client) -> String {
    let response = client
        .server_fn(
            "start_interview",
            &[
                ("role", "backend-rust"),
                ("kind", "technical"),
                ("difficulty", "mid"),
            ],
        )
        .await;
    let status = response.status();
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = response.text().await.unwrap_or_default();
    match location {
        Some(l) => l.trim_start_matches("/interviews/").to_owned(),
        None => {
            assert!(status.is_success(), "start failed: {status} {body}");
            serde_json::from_str::<String>(&body).expect("id")
        }
    }
}

#[derive(Debug, Clone)]
struct Sse {
    event: String,
    id: Option<String>,
    data: serde_json::Value,
}

/// Reads server-sent events until `until` holds for one, or the timeout.
async fn read_events(response: reqwest::Response, until: impl Fn(&Sse) -> bool) -> Vec<Sse> {
    let mut stream = response.bytes_stream();
    let mut buffer = String::new();
    let mut events = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let chunk = tokio::time::timeout_at(deadline, stream.next())
            .await
            .expect("events in time")
            .expect("stream open")
            .expect("bytes");
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let (mut event, mut id, mut data) = (String::from("message"), None, String::new());
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    event = v.trim().to_owned();
                } else if let Some(v) = line.strip_prefix("id:") {
                    id = Some(v.trim().to_owned());
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim());
                }
            }
            if data.is_empty() {
                continue; // keep-alive comment
            }
            let e = Sse {
                event,
                id,
                data: serde_json::from_str(&data).unwrap_or(serde_json::Value::Null),
            };
            let done = until(&e);
            events.push(e);
            if done {
                return events;
            }
        }
    }
}

async fn the_live_stream_resumes_without_duplicates(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let candidate = app.signed_up("nora@example.com").await;
    let id = start(&candidate).await;

    let stream = candidate
        .http
        .get(app.url(&format!("/interviews/{id}/events")))
        .send()
        .await
        .expect("connect");
    assert_eq!(stream.status(), 200);
    assert!(stream.headers()["content-type"]
        .to_str()
        .unwrap_or_default()
        .starts_with("text/event-stream"));
    let sent = candidate
        .server_fn(
            "send_message",
            &[("id", &id), ("text", "Ready."), ("key", "key-1")],
        )
        .await;
    assert_eq!(sent.status(), 200);
    let seen = read_events(stream, |e| {
        e.event == "message"
            && e.data["author"] == "interviewer"
            && e.data["seq"].as_i64() == Some(3)
    })
    .await;
    let messages: Vec<&Sse> = seen.iter().filter(|e| e.event == "message").collect();
    let seqs: Vec<i64> = messages
        .iter()
        .filter_map(|e| e.data["seq"].as_i64())
        .collect();
    assert_eq!(seqs, vec![1, 2, 3], "greeting, answer, question, each once");
    assert!(messages
        .iter()
        .all(|e| e.id.as_deref() == e.data["seq"].as_i64().map(|s| s.to_string()).as_deref()));
    assert!(
        seen.iter().any(|e| e.event == "token"),
        "the reply was drafted live"
    );

    // Reconnecting after event 2 replays only what came after it.
    let resumed = candidate
        .http
        .get(app.url(&format!("/interviews/{id}/events")))
        .header("last-event-id", "2")
        .send()
        .await
        .expect("reconnect");
    let replay = read_events(resumed, |e| e.event == "message").await;
    let replayed: Vec<i64> = replay
        .iter()
        .filter(|e| e.event == "message")
        .filter_map(|e| e.data["seq"].as_i64())
        .collect();
    assert_eq!(replayed, vec![3]);

    // A resent message (same key) is stored once.
    let again = candidate
        .server_fn(
            "send_message",
            &[("id", &id), ("text", "Ready."), ("key", "key-1")],
        )
        .await;
    assert_eq!(json(again).await["seq"], 2);
    let detail = json(
        candidate
            .server_fn("interview_detail", &[("id", &id)])
            .await,
    )
    .await;
    assert_eq!(detail["messages"].as_array().map(Vec::len), Some(3));
    assert!(
        detail["messages"][0]["html"]
            .as_str()
            .unwrap_or_default()
            .contains("<strong>"),
        "Markdown is rendered"
    );
    let page = candidate.get(&format!("/interviews/{id}")).await;
    assert_eq!(page.status(), 200);
    let history = json(candidate.server_fn("my_interviews", &[]).await).await;
    assert_eq!(history[0]["id"], id.as_str());
}
both_backends!(the_live_stream_resumes_without_duplicates);

async fn only_the_owner_writes_and_staff_may_read(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = app.signed_up("olga@example.com").await;
    let id = start(&owner).await;
    let other = app.signed_up("pete@example.com").await;
    assert_eq!(
        other
            .server_fn("interview_detail", &[("id", &id)])
            .await
            .status(),
        403
    );
    assert_eq!(
        other
            .get(&format!("/interviews/{id}/events"))
            .await
            .status(),
        403
    );
    assert_eq!(
        other
            .server_fn(
                "send_message",
                &[("id", &id), ("text", "hi"), ("key", "k1")]
            )
            .await
            .status(),
        403
    );
    assert_eq!(
        other.server_fn("stop_reply", &[("id", &id)]).await.status(),
        403
    );

    let visitor = app.client();
    assert_eq!(
        visitor
            .server_fn("interview_detail", &[("id", &id)])
            .await
            .status(),
        401
    );
    assert_eq!(
        visitor
            .get(&format!("/interviews/{id}/events"))
            .await
            .status(),
        303,
        "the page guard sends visitors to sign in"
    );

    let admin = app.admin().await;
    let detail = admin.server_fn("interview_detail", &[("id", &id)]).await;
    assert_eq!(detail.status(), 200, "staff may read");
    assert_eq!(json(detail).await["can_write"], false);
    assert_eq!(
        admin
            .server_fn(
                "send_message",
                &[("id", &id), ("text", "hi"), ("key", "k1")]
            )
            .await
            .status(),
        403,
        "but not write"
    );
    assert_eq!(
        owner
            .server_fn("interview_detail", &[("id", "no-such-id")])
            .await
            .status(),
        404
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM interview_messages WHERE author = 'candidate'")
            .await,
        0
    );
}
both_backends!(only_the_owner_writes_and_staff_may_read);

async fn bad_interview_input_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = app.signed_up("quin@example.com").await;
    for (role, kind, difficulty) in [
        ("nope", "technical", "mid"),
        ("backend-rust", "poetry", "mid"),
        ("backend-rust", "technical", "godlike"),
    ] {
        let r = client
            .server_fn(
                "start_interview",
                &[("role", role), ("kind", kind), ("difficulty", difficulty)],
            )
            .await;
        assert_eq!(r.status(), 422, "{role}/{kind}/{difficulty}");
    }
    let id = start(&client).await;
    let long = "x".repeat(4001);
    for (text, key) in [("", "k1"), (long.as_str(), "k1"), ("fine", "")] {
        let r = client
            .server_fn("send_message", &[("id", &id), ("text", text), ("key", key)])
            .await;
        assert_eq!(r.status(), 422, "{} chars, key {key:?}", text.len());
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM interview_messages WHERE author = 'candidate'")
            .await,
        0
    );
}
both_backends!(bad_interview_input_is_refused);

async fn a_ceiling_pauses_an_interview_until_an_admin_raises_it(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        s.llm.input_usd_per_mtok = 1.0;
        s.llm.output_usd_per_mtok = 2.0;
        s.budget.per_interview_usd = 0.0001;
    })
    .await;
    let candidate = app.signed_up("rosa@example.com").await;
    let admin = app.admin().await;
    let id = start(&candidate).await;
    assert_eq!(
        candidate
            .server_fn(
                "send_message",
                &[("id", &id), ("text", "Ready."), ("key", "k1")]
            )
            .await
            .status(),
        200
    );
    let paused = wait_for(&candidate, &id, |d| d["status"] == "paused").await;
    assert!(paused["pause_reason"]
        .as_str()
        .unwrap_or_default()
        .contains("nothing you wrote is lost"));
    assert_eq!(
        paused["messages"].as_array().map(Vec::len),
        Some(2),
        "the candidate's message is kept"
    );

    assert_eq!(
        candidate
            .server_fn("set_ceiling", &[("scope", "interview"), ("usd", "5")])
            .await
            .status(),
        403
    );
    assert_eq!(
        admin
            .server_fn("set_ceiling", &[("scope", "galaxy"), ("usd", "5")])
            .await
            .status(),
        422
    );
    assert_eq!(
        admin
            .server_fn("set_ceiling", &[("scope", "interview"), ("usd", "-1")])
            .await
            .status(),
        422
    );
    assert_eq!(
        admin
            .server_fn("set_ceiling", &[("scope", "interview"), ("usd", "1.5")])
            .await
            .status(),
        200
    );
    let status = json(admin.server_fn("ai_overview", &[]).await).await;
    assert_eq!(status["provider"], "scripted");
    assert_eq!(status["ceilings"][0]["scope"], "interview");
    assert_eq!(status["ceilings"][0]["limit_usd"], 1.5);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE kind = 'budget_changed'")
            .await,
        1
    );

    assert_eq!(
        candidate
            .server_fn("resume_interview", &[("id", &id)])
            .await
            .status(),
        200
    );
    let resumed = wait_for(&candidate, &id, |d| {
        d["messages"].as_array().map(Vec::len) == Some(3)
    })
    .await;
    assert_eq!(resumed["status"], "active");

    let traces = json(admin.server_fn("list_traces", &[]).await).await;
    let statuses: Vec<&str> = traces
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|t| t["status"].as_str())
        .collect();
    assert!(
        statuses.contains(&"over_budget") && statuses.contains(&"ok"),
        "{statuses:?}"
    );
    let ok = traces
        .as_array()
        .and_then(|rows| rows.iter().find(|t| t["status"] == "ok"))
        .expect("ok trace");
    let full = json(
        admin
            .server_fn(
                "trace_detail",
                &[("id", ok["id"].as_str().unwrap_or_default())],
            )
            .await,
    )
    .await;
    assert!(full["request_json"]
        .as_str()
        .unwrap_or_default()
        .contains("You rewrite an interviewer's question"));
    assert_eq!(full["prompt_version"], "phrase_question@1");
    let filtered = json(
        admin
            .server_fn("list_traces", &[("status", "over_budget")])
            .await,
    )
    .await;
    assert_eq!(filtered.as_array().map(Vec::len), Some(1));
    assert_eq!(candidate.server_fn("list_traces", &[]).await.status(), 403);
    assert_eq!(admin.get("/admin/ai").await.status(), 200);
}
both_backends!(a_ceiling_pauses_an_interview_until_an_admin_raises_it);

pub async fn wait_for(
    client: &Client,
    id: &str,
    ready: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    for _ in 0..600 {
        let detail = json(client.server_fn("interview_detail", &[("id", id)]).await).await;
        if ready(&detail) {
            return detail;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the interview never reached the expected state");
}

async fn admins_version_activate_and_roll_back_prompts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin().await;
    let candidate = app.signed_up("sam@example.com").await;
    let list = json(admin.server_fn("list_prompts", &[]).await).await;
    assert_eq!(list[0]["version"], 1);
    assert_eq!(list[0]["active"], true);

    let created = admin
        .server_fn(
            "create_prompt_version",
            &[
                ("name", "phrase_question"),
                ("body", "Ask it as one short question."),
            ],
        )
        .await;
    assert_eq!(json(created).await, 2);
    let list = json(admin.server_fn("list_prompts", &[]).await).await;
    assert_eq!(list[0]["version"], 2);
    assert_eq!(list[0]["active"], false);
    let diff: Vec<String> = serde_json::from_value(list[0]["diff"].clone()).expect("diff");
    assert!(
        diff.iter().any(|l| l == "+ Ask it as one short question."),
        "{diff:?}"
    );
    assert!(
        diff.iter().any(|l| l.starts_with("- You rewrite")),
        "{diff:?}"
    );

    assert_eq!(
        admin
            .server_fn(
                "activate_prompt_version",
                &[("name", "phrase_question"), ("version", "2")]
            )
            .await
            .status(),
        200
    );
    let list = json(admin.server_fn("list_prompts", &[]).await).await;
    assert_eq!(list[0]["active"], true);
    assert_eq!(list[1]["active"], false);
    assert_eq!(
        admin
            .server_fn(
                "activate_prompt_version",
                &[("name", "phrase_question"), ("version", "1")]
            )
            .await
            .status(),
        200,
        "roll back"
    );

    assert_eq!(
        admin
            .server_fn(
                "activate_prompt_version",
                &[("name", "phrase_question"), ("version", "99")]
            )
            .await
            .status(),
        404
    );
    assert_eq!(
        admin
            .server_fn("create_prompt_version", &[("name", "nope"), ("body", "x")])
            .await
            .status(),
        422
    );
    assert_eq!(
        admin
            .server_fn(
                "create_prompt_version",
                &[("name", "phrase_question"), ("body", "  ")]
            )
            .await
            .status(),
        422
    );
    assert_eq!(candidate.server_fn("list_prompts", &[]).await.status(), 403);
    assert_eq!(
        candidate
            .server_fn(
                "create_prompt_version",
                &[("name", "phrase_question"), ("body", "x")]
            )
            .await
            .status(),
        403
    );
    assert_eq!(admin.get("/admin/prompts").await.status(), 200);
}
both_backends!(admins_version_activate_and_roll_back_prompts);

async fn a_focused_start_asks_only_about_that_competency(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let bo = app.signed_up("bo@example.com").await;
    let args = |focus: &'static str| {
        [
            ("role", "backend-rust"),
            ("kind", "technical"),
            ("difficulty", "mid"),
            ("focus", focus),
        ]
    };
    // The page's script opens the interview itself: a scripted start gets the id, no redirect.
    let started = bo
        .server_fn("start_interview", &args("Databases and data modelling"))
        .await;
    assert_eq!(started.status(), 200);
    assert!(started.headers().get("location").is_none());
    let id: String = serde_json::from_value(json(started).await).expect("id");
    let detail = json(bo.server_fn("interview_detail", &[("id", &id)]).await).await;
    let greeting = detail["messages"][0]["html"].as_str().unwrap_or_default();
    assert!(
        greeting.contains("I will ask one main question"),
        "{greeting}"
    );

    let refused = bo
        .server_fn("start_interview", &args("Machine learning"))
        .await;
    assert_eq!(refused.status(), 422);
    assert!(refused
        .text()
        .await
        .unwrap_or_default()
        .contains("This role asks nothing about Machine learning"));

    // A form posted without script is redirected to the new interview.
    let plain = bo
        .http
        .post(bo.url("/api/start_interview"))
        .header("accept", "text/html,application/xhtml+xml")
        .form(&[
            ("role", "backend-rust"),
            ("kind", "technical"),
            ("difficulty", "mid"),
        ])
        .send()
        .await
        .expect("POST");
    let location = plain
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        location.starts_with("/interviews/"),
        "{} {location}",
        plain.status()
    );
}
both_backends!(a_focused_start_asks_only_about_that_competency);
