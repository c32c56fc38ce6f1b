//! Where the first text reaches the browser under load. Each candidate holds its interview's
//! live stream open (the same route the page subscribes to) before it sends its answer, and the
//! time from the send to the first interviewer text on that stream is noted: a streamed token,
//! or the stored question when the interview holds a phrasing back until it has been checked.
//! The gateway's own share of that time is `stream-bench`'s figure; this one is everything a
//! candidate waits for (the turn job, every model call of the turn, the checks, the writes,
//! the live hub and the HTTP stream).

use super::candidate::Outcome;
use futures::StreamExt;
use std::time::{Duration, Instant};

/// Sends the candidate's first answer with the live stream already open and returns the send's
/// outcome and how long after the send the first interviewer text arrived on the stream.
pub(super) async fn send_watching(
    base: &str,
    client: &reqwest::Client,
    id: &str,
) -> (Outcome, Option<Duration>) {
    let before = crate::model_bench::count_messages(client, base, id)
        .await
        .unwrap_or(0);
    let events = match client
        .get(format!("{base}/interviews/{id}/events"))
        .send()
        .await
    {
        Ok(r) if r.status().is_success() => r,
        Ok(r) => {
            let status = r.status();
            return (
                (Duration::ZERO, Some(status), "live stream refused".into()),
                None,
            );
        }
        Err(e) => return ((Duration::ZERO, None, e.to_string()), None),
    };
    let sent = Instant::now();
    let send = super::candidate::send(base, client, id).await;
    if !send.1.is_some_and(|s| s.is_success()) {
        return (send, None);
    }
    let mut stream = events.bytes_stream();
    let mut buffer = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(300);
    while let Ok(Some(Ok(chunk))) = tokio::time::timeout_at(deadline, stream.next()).await {
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            if is_interviewer_text(&block, before) {
                return (send, Some(sent.elapsed()));
            }
        }
    }
    (send, None)
}

/// Whether a live-stream event is interviewer text the page shows: a streamed token, or a
/// stored interviewer message newer than the candidate's answer (`before` messages were stored
/// before the send, the answer is the next one).
fn is_interviewer_text(block: &str, before: i64) -> bool {
    if block.contains("event: token") {
        return true;
    }
    block.contains("event: message")
        && block.contains("\"author\":\"interviewer\"")
        && block
            .split("\"seq\":")
            .nth(1)
            .and_then(|s| s.split([',', '}']).next())
            .and_then(|s| s.trim().parse::<i64>().ok())
            .is_some_and(|seq| seq > before + 1)
}

#[cfg(test)]
mod tests {
    use super::is_interviewer_text;

    #[test]
    fn only_new_interviewer_text_counts() {
        let question =
            "event: message\ndata: {\"seq\":3,\"author\":\"interviewer\",\"html\":\"Why?\"}\n\n";
        assert!(is_interviewer_text(question, 1));
        // Replayed on connect: the greeting stored before the send.
        assert!(!is_interviewer_text(question, 2));
        let answer = "event: message\ndata: {\"seq\":3,\"author\":\"candidate\"}\n\n";
        assert!(!is_interviewer_text(answer, 1));
        assert!(is_interviewer_text(
            "event: token\ndata: {\"text\":\"Wh\"}\n\n",
            5
        ));
    }
}
