//! Where the first text reaches the browser under load. Each candidate holds its interview's
//! live stream open (the same route the page subscribes to) before it sends its answer, and the
//! time from the send to the first interviewer text on that stream is noted: a streamed token,
//! or the stored question when the interview holds a phrasing back until it has been checked.
//! The stored question itself, and when it came, are read from the same stream.
//! The gateway's own share of that time is `stream-bench`'s figure; this one is everything a
//! candidate waits for (the turn job, every model call of the turn, the checks, the writes,
//! the live hub and the HTTP stream).

use super::candidate::Outcome;
use std::time::{Duration, Instant};

/// What one candidate's live stream showed after the send.
#[derive(Debug, Default)]
pub(super) struct Watched {
    /// From the send to the first interviewer text: a streamed token, or the stored question.
    pub(super) first_text: Option<Duration>,
    /// The stored first question: when it arrived, counted from the crowd's start, and its HTML.
    pub(super) question: Option<(Duration, String)>,
    /// When the send was answered (accepted or refused).
    pub(super) send_answered: Option<Instant>,
}

/// Sends the candidate's first answer with the live stream already open and returns the send's
/// outcome and what the stream showed, until the first question is stored (up to five minutes).
pub(super) async fn send_watching(
    base: &str,
    client: &reqwest::Client,
    id: &str,
    begun: Instant,
) -> (Outcome, Watched) {
    let mut watched = Watched::default();
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
                watched,
            );
        }
        Err(e) => return ((Duration::ZERO, None, e.to_string()), watched),
    };
    let sent = Instant::now();
    let send = super::candidate::send(base, client, id).await;
    watched.send_answered = Some(Instant::now());
    if !send.1.is_some_and(|s| s.is_success()) {
        return (send, watched);
    }
    // A stream that fails ends the watch: what it showed so far is what the candidate saw.
    let _ = crate::live_events::read_until(events, Duration::from_secs(300), |event| {
        match seen(event, before) {
            Seen::Other => false,
            Seen::Token => {
                watched.first_text.get_or_insert(sent.elapsed());
                false
            }
            Seen::Question(html) => {
                watched.first_text.get_or_insert(sent.elapsed());
                watched.question = Some((begun.elapsed(), html));
                true
            }
        }
    })
    .await;
    (send, watched)
}

/// What a live-stream event is to the candidate waiting for the first question.
#[derive(Debug, PartialEq)]
enum Seen {
    /// A streamed token of the interviewer's reply.
    Token,
    /// A stored interviewer message newer than the candidate's answer (`before` messages were
    /// stored before the send, the answer is the next one), with its HTML.
    Question(String),
    /// Anything else: a replayed message, the candidate's own, a draft.
    Other,
}

fn seen((name, data): &crate::live_events::Event, before: i64) -> Seen {
    match name.as_str() {
        "token" => Seen::Token,
        "message" => {
            let newer = data["seq"].as_i64().is_some_and(|seq| seq > before + 1);
            if newer && data["author"] == "interviewer" {
                Seen::Question(data["html"].as_str().unwrap_or_default().to_owned())
            } else {
                Seen::Other
            }
        }
        _ => Seen::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::{seen, Seen};

    /// What `block`, as the stream sends it, is to the waiting candidate; None when it is
    /// skipped before that (a keep-alive).
    fn seen_in(block: &str, before: i64) -> Option<Seen> {
        crate::live_events::parse(block).map(|event| seen(&event, before))
    }

    #[test]
    fn only_new_interviewer_text_counts() {
        let question =
            "event: message\ndata: {\"seq\":3,\"author\":\"interviewer\",\"html\":\"Why?\"}\n\n";
        assert_eq!(seen_in(question, 1), Some(Seen::Question("Why?".into())));
        // Replayed on connect: the greeting stored before the send.
        assert_eq!(seen_in(question, 2), Some(Seen::Other));
        let answer = "event: message\ndata: {\"seq\":3,\"author\":\"candidate\"}\n\n";
        assert_eq!(seen_in(answer, 1), Some(Seen::Other));
        assert_eq!(
            seen_in("event: token\ndata: {\"text\":\"Wh\"}\n\n", 5),
            Some(Seen::Token)
        );
        assert_eq!(seen_in(": keep-alive\n\n", 1), None);
    }
}
