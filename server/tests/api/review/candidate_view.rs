//! What the candidate can reach: every view of an interview as text, and its event stream read
//! either briefly or up to a named event. The decision scenarios check what is (not) in them.

use crate::support::Client;
use futures::StreamExt;
use std::time::Duration;

/// Everything the candidate can fetch about the interview, as text.
pub(super) async fn everything_the_candidate_sees(candidate: &Client, id: &str) -> String {
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
pub(super) async fn read_some(response: reqwest::Response) -> String {
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
pub(super) async fn until_event(response: reqwest::Response, name: &str) -> Vec<(String, String)> {
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
