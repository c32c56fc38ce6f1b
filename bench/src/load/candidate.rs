//! One simulated candidate of the crowd, as a browser drives the server: signing up, starting
//! an interview, sending the first answer (timed) and waiting on the live stream for the
//! interviewer's first question. Apart from `load`'s run, which gathers these outcomes and prints the figures, so
//! the requests a candidate makes read on their own.

use super::first_text;
use std::time::{Duration, Instant};

/// A client signed up and in as `who@rehearse.local`.
pub(super) async fn sign_up(base: &str, who: &str) -> anyhow::Result<reqwest::Client> {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(120))
        .build()?;
    let email = format!("{who}@rehearse.local");
    crate::sign_up_and_in(&client, base, &email, "quartz meadow loadtest 4821", "Load").await?;
    Ok(client)
}

/// How long a request took, its status (None: no answer), and its body or error.
pub(super) type Outcome = (Duration, Option<reqwest::StatusCode>, String);

/// One candidate's start and first answer, and what their live stream showed after it.
pub(super) struct Sent {
    pub(super) start: Outcome,
    pub(super) send: Option<Outcome>,
    pub(super) watched: first_text::Watched,
    /// When the candidate's last request of the arrival was answered: the send, or a refused
    /// start.
    pub(super) arrived: Instant,
}

/// Starts an interview, opens its live stream as the page does, and sends the first answer;
/// then waits on the stream (not by polling, as no browser polls) for the first question.
/// Times on the stream count from `begun`, the crowd's start.
pub(super) async fn candidate(base: &str, client: &reqwest::Client, begun: Instant) -> Sent {
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
            watched: first_text::Watched::default(),
            arrived: Instant::now(),
        };
    };
    let (send, watched) = first_text::send_watching(base, client, &id, begun).await;
    Sent {
        start,
        send: Some(send),
        arrived: watched.send_answered.unwrap_or_else(Instant::now),
        watched,
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
