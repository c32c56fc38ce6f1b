//! Live events of interviews in progress, for the browsers following them. Committed messages
//! are in the database; this hub carries only what is not yet committed (the reply being drafted)
//! and notices that something was committed. One bounded broadcast channel per interview.

use crate::store::Message;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveEvent {
    /// A piece of the reply being drafted.
    Token { text: String },
    /// A message was committed (candidate or interviewer); the draft, if any, is over.
    Message { message: Message },
    /// The interview paused (for example a cost ceiling): nothing is lost; it can resume.
    Paused { reason: String },
    /// The interview is over and its report is stored.
    Finished,
    /// A held answer was decided (or its deadline passed): the message as the candidate may
    /// now read it.
    Reviewed { message: Message },
    /// The interviewer's turn failed; the draft, if any, is void. `retrying`: it will be tried
    /// again by itself; otherwise the candidate is offered a retry.
    TurnFailed { retrying: bool, message: String },
}

#[derive(Default)]
struct Entry {
    sender: Option<broadcast::Sender<LiveEvent>>,
    draft: String,
    busy: bool,
    stop: Option<tokio::sync::watch::Sender<bool>>,
}

/// Capacity per interview: a browser that falls this far behind reconnects and resumes.
const CAPACITY: usize = 256;

#[derive(Clone, Default)]
pub struct LiveHub {
    entries: Arc<Mutex<HashMap<String, Entry>>>,
}

impl LiveHub {
    fn with<T>(&self, id: &str, f: impl FnOnce(&mut Entry) -> T) -> T {
        let mut map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        f(map.entry(id.to_owned()).or_default())
    }

    /// Follows an interview: the draft so far, and the events from now on.
    pub fn subscribe(&self, id: &str) -> (String, broadcast::Receiver<LiveEvent>) {
        self.with(id, |e| {
            let sender = e
                .sender
                .get_or_insert_with(|| broadcast::channel(CAPACITY).0);
            (e.draft.clone(), sender.subscribe())
        })
    }

    pub fn publish(&self, id: &str, event: LiveEvent) {
        self.with(id, |e| {
            match &event {
                LiveEvent::Token { text } => e.draft.push_str(text),
                // A decision on an earlier answer leaves the reply being drafted alone.
                LiveEvent::Reviewed { .. } => {}
                _ => e.draft.clear(),
            }
            if let Some(sender) = &e.sender {
                let _ = sender.send(event);
            }
        });
    }

    /// Marks a turn as running; false if one already is (one turn at a time per interview).
    /// The returned receiver flips to true when someone presses stop.
    pub fn begin_turn(&self, id: &str) -> Option<tokio::sync::watch::Receiver<bool>> {
        self.with(id, |e| {
            if e.busy {
                return None;
            }
            let (tx, rx) = tokio::sync::watch::channel(false);
            e.busy = true;
            e.stop = Some(tx);
            e.draft.clear();
            Some(rx)
        })
    }

    pub fn end_turn(&self, id: &str) {
        self.with(id, |e| {
            e.busy = false;
            e.stop = None;
            e.draft.clear();
        });
        self.sweep();
    }

    /// Forgets interviews nobody follows and no turn runs for, so the hub's memory stays
    /// bounded by the interviews in use, not the interviews ever held.
    pub fn sweep(&self) {
        let mut map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        map.retain(|_, e| e.busy || e.sender.as_ref().is_some_and(|s| s.receiver_count() > 0));
    }

    /// How many interviews the hub holds state for.
    pub fn len(&self) -> usize {
        self.entries.lock().map(|m| m.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn is_busy(&self, id: &str) -> bool {
        self.with(id, |e| e.busy)
    }

    /// Asks the running turn to stop generating; false if none runs.
    pub fn stop(&self, id: &str) -> bool {
        self.with(id, |e| {
            e.stop
                .as_ref()
                .map(|s| s.send(true).is_ok())
                .unwrap_or(false)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_unfollowed_interviews_are_forgotten() {
        let hub = LiveHub::default();
        let (_, followed) = hub.subscribe("a");
        assert!(hub.begin_turn("b").is_some());
        assert!(hub.begin_turn("b").is_none(), "one turn at a time");
        hub.publish("b", LiveEvent::Token { text: "x".into() });
        hub.end_turn("b");
        assert_eq!(hub.len(), 1, "b is gone, a is followed");
        drop(followed);
        hub.sweep();
        assert!(hub.is_empty());
    }
}
