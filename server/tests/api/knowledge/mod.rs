//! Job descriptions over HTTP: uploading (multipart, as a browser form does), ingestion in the
//! server's background worker, access control, bad files, and a candidate asking about pay in
//! an interview on an uploaded role. The helpers here upload a job description, wait for its
//! ingestion and play an interview's turns; other API tests use them too.

use crate::interviews::send;
use crate::support::{json, Client};
use std::time::Duration;

mod bad_uploads;
mod uploaded_role;
mod versions;

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

/// How many messages the interview holds.
pub async fn message_count(client: &Client, id: &str) -> usize {
    detail(client, id).await["messages"]
        .as_array()
        .map(Vec::len)
        .unwrap_or(0)
}

/// How long a test waits for one interviewer turn: long enough for a turn retried after a
/// failure (1 to 2 s of backoff) on a machine running every test at once.
pub const TURN_WAIT: Duration = Duration::from_secs(60);

/// Waits for the interviewer's reply to `text`, sent when the interview held `before`
/// messages: at least two messages more, the last the interviewer's. Returns every message.
/// Panics after [`TURN_WAIT`] with what the interview shows (status, pause reason, a failed
/// turn, its last messages), so a failure says why.
pub async fn until_replied(
    client: &Client,
    id: &str,
    before: usize,
    text: &str,
) -> Vec<serde_json::Value> {
    let deadline = tokio::time::Instant::now() + TURN_WAIT;
    loop {
        let d = detail(client, id).await;
        let messages = d["messages"].as_array().cloned().unwrap_or_default();
        if messages.len() >= before + 2
            && messages
                .last()
                .is_some_and(|m| m["author"] == "interviewer")
        {
            return messages;
        }
        if tokio::time::Instant::now() >= deadline {
            panic!("no reply to {text}: {}", shown(&d, before));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// What an interview's detail shows, for a failure message: status, pause reason, whether the
/// turn failed, and the messages from `from` on (author, held, the first words).
pub fn shown(d: &serde_json::Value, from: usize) -> String {
    let messages = d["messages"].as_array().cloned().unwrap_or_default();
    let tail: Vec<String> = messages
        .iter()
        .skip(from.saturating_sub(1))
        .map(|m| {
            let html = m["html"].as_str().unwrap_or_default();
            format!(
                "{} (held: {}): {}",
                m["author"],
                !m["held_since_ms"].is_null(),
                html.chars().take(100).collect::<String>()
            )
        })
        .collect();
    format!(
        "status {}, pause reason {}, turn failed {}, {} messages; from #{from}: {tail:#?}",
        d["status"],
        d["pause_reason"],
        d["turn_failed"],
        messages.len()
    )
}

/// Sends a message and waits for the interviewer's reply to it; returns the new messages' HTML.
pub async fn say(client: &Client, id: &str, text: &str, key: &str) -> Vec<String> {
    let before = message_count(client, id).await;
    let sent = send(client, id, text, key).await;
    assert_eq!(
        sent.status(),
        200,
        "{}",
        sent.text().await.unwrap_or_default()
    );
    let messages = until_replied(client, id, before, text).await;
    messages[before..]
        .iter()
        .map(|m| m["html"].as_str().unwrap_or_default().to_owned())
        .collect()
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
