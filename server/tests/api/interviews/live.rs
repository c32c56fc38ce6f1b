//! The live event stream: each message once, replayed after the last event id on reconnect.

use super::start;
use crate::support::{json, Backend, TestApp};
use futures::StreamExt;
use rehearse_testkit::both_backends;
use std::time::Duration;

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
