//! The live event stream: each message once, replayed after the last event id on reconnect;
//! the hub letting go of what nobody needs.

use super::{connect, read_events, reconnect, send, start, wait_for, Sse};
use crate::support::{json, Backend, Client, TestApp};
use rehearse_llm::scripted::{Gate, Script, ScriptedModel, Step};
use rehearse_testkit::both_backends;
use std::sync::Arc;
use std::time::{Duration, Instant};

async fn the_live_stream_resumes_without_duplicates(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let candidate = app.signed_up("nora@example.com").await;
    let id = start(&candidate).await;

    let stream = connect(&candidate, &id).await;
    assert_eq!(stream.status(), 200);
    assert!(stream.headers()["content-type"]
        .to_str()
        .unwrap_or_default()
        .starts_with("text/event-stream"));
    let sent = send(&candidate, &id, "Ready.", "key-1").await;
    assert_eq!(sent.status(), 200);
    let seen = read_events(stream, |e| {
        e.event == "message"
            && e.json()["author"] == "interviewer"
            && e.json()["seq"].as_i64() == Some(3)
    })
    .await;
    let messages: Vec<&Sse> = seen.iter().filter(|e| e.event == "message").collect();
    let seqs: Vec<i64> = messages
        .iter()
        .filter_map(|e| e.json()["seq"].as_i64())
        .collect();
    assert_eq!(seqs, vec![1, 2, 3], "greeting, answer, question, each once");
    assert!(messages
        .iter()
        .all(|e| e.id.as_deref() == e.json()["seq"].as_i64().map(|s| s.to_string()).as_deref()));
    assert!(
        seen.iter().any(|e| e.event == "token"),
        "the reply was drafted live"
    );

    // Reconnecting after event 2 replays only what came after it.
    let resumed = reconnect(&candidate, &id, "2").await;
    let replay = read_events(resumed, |e| e.event == "message").await;
    let replayed: Vec<i64> = replay
        .iter()
        .filter(|e| e.event == "message")
        .filter_map(|e| e.json()["seq"].as_i64())
        .collect();
    assert_eq!(replayed, vec![3]);

    // A resent message (same key) is stored once.
    let again = send(&candidate, &id, "Ready.", "key-1").await;
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

/// A model whose first reply says "Could you " and then waits at `gate` (the turn is held
/// inside the model call, with no draft yet: a phrasing is shown only once it is accepted).
fn held_at(gate: &Gate) -> Arc<ScriptedModel> {
    Arc::new(ScriptedModel::new(vec![Script {
        steps: vec![
            Step::Token("Could ".into()),
            Step::Token("you ".into()),
            Step::Hold(gate.clone()),
            Step::Token("tell me about that?".into()),
        ],
        usage: None,
    }]))
}

/// What live streaming holds, from the admin overview: (open streams, interviews held).
async fn held(admin: &Client) -> (u64, u64) {
    let overview = json(admin.server_fn("ai_overview", &[]).await).await;
    let count = |k: &str| overview["live"][k].as_u64().expect("a count");
    (count("open_streams"), count("interviews_held"))
}

/// Polls the overview until live streaming holds `expected`, or fails after 15 s saying what
/// it held (the server notices a closed connection on its own schedule).
async fn until_held(admin: &Client, expected: (u64, u64), why: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let now = held(admin).await;
        if now == expected {
            return;
        }
        assert!(Instant::now() < deadline, "{why}: held {now:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The live hub keeps an interview only while someone watches it or a turn runs for it: the
/// last stream closing lets it go, and a turn run with nobody watching is let go when it ends.
async fn the_hub_lets_an_interview_go_when_nobody_needs_it(backend: Backend) {
    let gate = Gate::new();
    let app = TestApp::spawn_with_model(backend, |_| {}, held_at(&gate)).await;
    let admin = app.admin().await;
    let candidate = app.signed_up("kira@example.com").await;
    let id = start(&candidate).await;
    assert_eq!(held(&admin).await, (0, 0));

    let first = connect(&candidate, &id).await;
    let second = connect(&candidate, &id).await;
    assert_eq!(
        (first.status().as_u16(), second.status().as_u16()),
        (200, 200)
    );
    assert_eq!(held(&admin).await, (2, 1), "two streams on one interview");
    let page = crate::support::html(admin.get("/admin/ai").await).await;
    assert!(
        page.contains("2 event streams open; 1 interview held in memory."),
        "the admin page says so"
    );

    drop(first);
    until_held(&admin, (1, 1), "one stream closed, one still watching").await;
    drop(second);
    until_held(&admin, (0, 0), "the last stream closed").await;

    // A turn runs with nobody watching: held while it runs, let go when it ends.
    assert_eq!(send(&candidate, &id, "Ready.", "key-1").await.status(), 200);
    until_held(&admin, (0, 1), "a turn runs").await;
    gate.open();
    wait_for(&candidate, &id, |d| {
        d["messages"].as_array().map(Vec::len) == Some(3)
    })
    .await;
    until_held(&admin, (0, 0), "the turn ended").await;
}
both_backends!(the_hub_lets_an_interview_go_when_nobody_needs_it);
