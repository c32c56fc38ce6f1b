//! The live event stream: each message once, replayed after the last event id on reconnect.

use super::{connect, read_events, reconnect, send, start, Sse};
use crate::support::{json, Backend, TestApp};
use rehearse_testkit::both_backends;

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
