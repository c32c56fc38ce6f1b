//! One simulated candidate of the crowd, as a browser drives the server: signing up, starting
//! an interview, sending the first answer (timed) and waiting for the interviewer's first
//! question. Apart from `load`'s run, which gathers these outcomes and prints the figures, so
//! the requests a candidate makes read on their own.

use super::first_text;
use std::time::{Duration, Instant};

/// Waits (up to five minutes) for the interviewer's first question; returns when it arrived,
/// counted from `since`, and its HTML.
pub(super) async fn first_question(
    base: &str,
    client: &reqwest::Client,
    id: &str,
    since: Instant,
) -> Option<(Duration, String)> {
    let deadline = Instant::now() + Duration::from_secs(300);
    while Instant::now() < deadline {
        let detail: Option<serde_json::Value> = match client
            .post(format!("{base}/api/interview_detail"))
            .header("accept", "application/json")
            .form(&[("id", id)])
            .send()
            .await
        {
            Ok(r) => r.json().await.ok(),
            Err(_) => None,
        };
        let messages = detail
            .as_ref()
            .and_then(|d| d["messages"].as_array())
            .cloned()
            .unwrap_or_default();
        if messages.len() >= 3 {
            let html = messages[2]["html"].as_str().unwrap_or_default().to_owned();
            return Some((since.elapsed(), html));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    None
}

pub(super) async fn sign_up(base: &str, i: usize) -> anyhow::Result<reqwest::Client> {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(120))
        .build()?;
    let email = format!("load{i}@rehearse.local");
    crate::sign_up_and_in(&client, base, &email, "quartz meadow loadtest 4821", "Load").await?;
    Ok(client)
}

/// How long a request took, its status (None: no answer), and its body or error.
pub(super) type Outcome = (Duration, Option<reqwest::StatusCode>, String);

/// One candidate's start and first answer: their outcomes, the interview whose answer was
/// taken, and (when watched) how long after the send the first interviewer text reached the
/// live stream.
pub(super) struct Sent {
    pub(super) start: Outcome,
    pub(super) send: Option<Outcome>,
    pub(super) answered: Option<String>,
    pub(super) first_text: Option<Duration>,
}

pub(super) async fn candidate(base: &str, client: &reqwest::Client, watch: bool) -> Sent {
    let t = Instant::now();
    let started = crate::start_request(client, base).send().await;
    let took = t.elapsed();
    let (status, body) = match started {
        Ok(r) => (Some(r.status()), r.text().await.unwrap_or_default()),
        Err(e) => (None, e.to_string()),
    };
    let id = status
        .filter(|s| s.is_success())
        .and_then(|_| serde_json::from_str::<String>(&body).ok());
    let start = (took, status, body);
    let Some(id) = id else {
        return Sent {
            start,
            send: None,
            answered: None,
            first_text: None,
        };
    };
    let (send, first_text) = if watch {
        first_text::send_watching(base, client, &id).await
    } else {
        (send(base, client, &id).await, None)
    };
    let answered = send.1.filter(|s| s.is_success()).map(|_| id);
    Sent {
        start,
        send: Some(send),
        answered,
        first_text,
    }
}

/// The candidate's first answer, timed.
pub(super) async fn send(base: &str, client: &reqwest::Client, id: &str) -> Outcome {
    let t = Instant::now();
    let sent = client
        .post(format!("{base}/api/send_message"))
        .header("accept", "application/json")
        .form(&[("id", id), ("text", "Ready."), ("key", "load-1")])
        .send()
        .await;
    let took = t.elapsed();
    match sent {
        Ok(r) => {
            let status = r.status();
            (took, Some(status), r.text().await.unwrap_or_default())
        }
        Err(e) => (took, None, e.to_string()),
    }
}
