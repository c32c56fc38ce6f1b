//! Interviews over HTTP: starting, the live event stream and its resumption, who may see or
//! write in an interview, and what admins steer (cost ceilings, traces, prompt versions). The
//! helpers here start an interview, send messages, read its event stream and wait for its
//! state; other API tests use them too.

use crate::support::{json, Client};
use futures::StreamExt;
use std::time::Duration;

mod access;
mod admin_controls;
mod live;
mod provider_outage;
mod starting;

/// Asks to start a technical, mid-level interview on `role` and returns the answer as it is
/// ([`start_on`] insists on success).
pub async fn try_start_on(client: &Client, role: &str) -> reqwest::Response {
    client
        .server_fn(
            "start_interview",
            &[("role", role), ("kind", "technical"), ("difficulty", "mid")],
        )
        .await
}

/// [`try_start_on`] the sample role `backend-rust`.
pub async fn try_start(client: &Client) -> reqwest::Response {
    try_start_on(client, "backend-rust").await
}

/// Starts a technical, mid-level interview on `role`; returns its id.
pub async fn start_on(client: &Client, role: &str) -> String {
    let response = try_start_on(client, role).await;
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

/// [`start_on`] the sample role `backend-rust`.
pub async fn start(client: &Client) -> String {
    start_on(client, "backend-rust").await
}

/// Sends `text` as the candidate's message in interview `id` with idempotency `key`; returns
/// the answer as it is.
pub async fn send(client: &Client, id: &str, text: &str, key: &str) -> reqwest::Response {
    client
        .server_fn("send_message", &[("id", id), ("text", text), ("key", key)])
        .await
}

/// The interview's live event stream, as the page opens it.
fn events_path(id: &str) -> String {
    format!("/interviews/{id}/events")
}

/// Opens the interview's live event stream.
pub async fn connect(client: &Client, id: &str) -> reqwest::Response {
    client.get(&events_path(id)).await
}

/// Opens the interview's live event stream again, as a browser does after event
/// `last_event_id`.
pub async fn reconnect(client: &Client, id: &str, last_event_id: &str) -> reqwest::Response {
    client
        .http
        .get(client.url(&events_path(id)))
        .header("last-event-id", last_event_id)
        .send()
        .await
        .expect("reconnect")
}

/// One server-sent event: its name (`message` when unnamed), its id, and its data lines joined.
#[derive(Debug, Clone)]
pub struct Sse {
    pub event: String,
    pub id: Option<String>,
    pub data: String,
}

impl Sse {
    /// The data as JSON (`null` when it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.data).unwrap_or(serde_json::Value::Null)
    }
}

/// Reads server-sent events (skipping keep-alive comments) until `until` holds for one, which
/// is the last returned; fails the test with the events read so far after 20 s.
pub async fn read_events(response: reqwest::Response, until: impl Fn(&Sse) -> bool) -> Vec<Sse> {
    let mut stream = response.bytes_stream();
    let mut buffer = String::new();
    let mut events = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let chunk = tokio::time::timeout_at(deadline, stream.next())
            .await
            .unwrap_or_else(|_| panic!("the awaited event did not come in time: {events:?}"))
            .expect("stream open")
            .expect("bytes");
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let mut event = Sse {
                event: String::from("message"),
                id: None,
                data: String::new(),
            };
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    event.event = v.trim().to_owned();
                } else if let Some(v) = line.strip_prefix("id:") {
                    event.id = Some(v.trim().to_owned());
                } else if let Some(v) = line.strip_prefix("data:") {
                    event.data.push_str(v.trim());
                }
            }
            if event.data.is_empty() {
                continue; // keep-alive comment
            }
            let done = until(&event);
            events.push(event);
            if done {
                return events;
            }
        }
    }
}

/// The first events of a stream (the stored messages, replayed at once), as raw text.
pub async fn read_some(response: reqwest::Response) -> String {
    let mut stream = response.bytes_stream();
    let mut text = String::new();
    while let Ok(Some(Ok(chunk))) =
        tokio::time::timeout(Duration::from_millis(500), stream.next()).await
    {
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    text
}

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
