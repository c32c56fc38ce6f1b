//! Reading an interview's live stream (`/interviews/{id}/events`) as the page does, for the
//! benches and drills that watch it: the server-sent events split into blocks, each block read
//! as its event name and JSON data, keep-alive comments skipped.

use futures::StreamExt;
use std::time::Duration;

/// One event: its name and its data.
pub(crate) type Event = (String, serde_json::Value);

/// Reads `response`'s events until `until` holds for one (the last returned; `true` beside
/// them), or the stream ends or `within` passes (`false`); fails if reading the stream fails.
pub(crate) async fn read_until(
    response: reqwest::Response,
    within: Duration,
    mut until: impl FnMut(&Event) -> bool,
) -> Result<(Vec<Event>, bool), reqwest::Error> {
    let mut stream = response.bytes_stream();
    let mut buffer = String::new();
    let mut events = Vec::new();
    let deadline = tokio::time::Instant::now() + within;
    while let Ok(Some(chunk)) = tokio::time::timeout_at(deadline, stream.next()).await {
        buffer.push_str(&String::from_utf8_lossy(&chunk?));
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let Some(event) = parse(&block) else { continue };
            let done = until(&event);
            events.push(event);
            if done {
                return Ok((events, true));
            }
        }
    }
    Ok((events, false))
}

/// One server-sent event's name and JSON data; None for a comment (keep-alive).
pub(crate) fn parse(block: &str) -> Option<Event> {
    let mut name = None;
    let mut data = String::new();
    for line in block.lines() {
        if let Some(n) = line.strip_prefix("event:") {
            name = Some(n.trim().to_owned());
        } else if let Some(d) = line.strip_prefix("data:") {
            data.push_str(d.trim_start());
        }
    }
    Some((name?, serde_json::from_str(&data).ok()?))
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn events_are_read_with_their_data_and_comments_skipped() {
        let (name, data) =
            parse("event: draft\ndata: {\"text\":\"Could you\"}\n\n").expect("an event");
        assert_eq!(name, "draft");
        assert_eq!(data["text"], "Could you");
        assert!(parse(": keep-alive\n\n").is_none());
    }
}
