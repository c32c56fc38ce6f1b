//! Live events of interviews in progress, for the browsers following them. Committed messages
//! are in the database; this hub carries only what is not yet committed (the reply being drafted)
//! and notices that something was committed. One bounded broadcast channel per interview, held
//! only while someone follows the interview or a turn runs for it: the last follower leaving an
//! idle interview (its [`Follower`] dropped) or the turn ending with nobody following drops it.

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
    /// The last message committed before `draft` began (see [`Draft::follows`]).
    follows: i64,
    busy: bool,
    stop: Option<tokio::sync::watch::Sender<bool>>,
}

impl Entry {
    /// Nobody follows and no turn runs: nothing here is worth keeping.
    fn idle(&self) -> bool {
        !self.busy && self.sender.as_ref().is_none_or(|s| s.receiver_count() == 0)
    }
}

/// The reply being drafted, as a browser that connects now finds it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Draft {
    /// The text so far; empty when nothing is being drafted.
    pub text: String,
    /// The sequence number of the last message committed before this draft began: the
    /// candidate's message the turn answers, or a reply of the same turn announced since.
    /// A stored message after it was committed after the draft began: the draft may be its
    /// text, already committed but not yet announced.
    pub follows: i64,
}

/// Capacity per interview: a browser that falls this far behind reconnects and resumes.
const CAPACITY: usize = 256;

#[derive(Clone, Default)]
pub struct LiveHub {
    entries: Arc<Mutex<HashMap<String, Entry>>>,
}

/// Held by whoever follows an interview through [`LiveHub::follow`]. Dropping it (after the
/// receiver it came with) lets the hub forget the interview when nobody else follows it and no
/// turn runs.
pub struct Follower {
    hub: LiveHub,
    id: String,
}

impl Drop for Follower {
    fn drop(&mut self) {
        self.hub.unfollowed(&self.id);
    }
}

impl LiveHub {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` on the interview's entry, creating it: only for following and running a turn.
    fn with<T>(&self, id: &str, f: impl FnOnce(&mut Entry) -> T) -> T {
        f(self.lock().entry(id.to_owned()).or_default())
    }

    /// Runs `f` on the interview's entry if the hub holds one; never creates one, so asking
    /// about an interview nobody follows leaves nothing behind.
    fn existing<T>(&self, id: &str, f: impl FnOnce(&mut Entry) -> T) -> Option<T> {
        self.lock().get_mut(id).map(f)
    }

    /// Follows an interview: the draft so far, and the events from now on. Prefer
    /// [`LiveHub::follow`], whose guard lets the hub forget the interview when the follower
    /// leaves; otherwise the entry lingers until the next [`LiveHub::sweep`].
    pub fn subscribe(&self, id: &str) -> (Draft, broadcast::Receiver<LiveEvent>) {
        self.with(id, |e| {
            let sender = e
                .sender
                .get_or_insert_with(|| broadcast::channel(CAPACITY).0);
            (
                Draft {
                    text: e.draft.clone(),
                    follows: e.follows,
                },
                sender.subscribe(),
            )
        })
    }

    /// Like [`LiveHub::subscribe`], with a guard to drop after the receiver when the follower
    /// goes away (a browser's stream closing).
    pub fn follow(&self, id: &str) -> (Draft, broadcast::Receiver<LiveEvent>, Follower) {
        let (draft, receiver) = self.subscribe(id);
        let follower = Follower {
            hub: self.clone(),
            id: id.to_owned(),
        };
        (draft, receiver, follower)
    }

    /// Sends `event` to the interview's followers. Nobody follows and no turn runs when the
    /// hub holds no entry: then there is no one to tell and no draft to keep.
    pub fn publish(&self, id: &str, event: LiveEvent) {
        self.existing(id, |e| {
            match &event {
                LiveEvent::Token { text } => e.draft.push_str(text),
                // A decision on an earlier answer leaves the reply being drafted alone.
                LiveEvent::Reviewed { .. } => {}
                LiveEvent::Message { message } => {
                    e.draft.clear();
                    e.follows = e.follows.max(message.seq);
                }
                _ => e.draft.clear(),
            }
            if let Some(sender) = &e.sender {
                let _ = sender.send(event);
            }
        });
    }

    /// Marks a turn as running; false if one already is (one turn at a time per interview).
    /// `answering` is the sequence number of the candidate's message the turn answers: what
    /// the turn drafts follows it. The returned receiver flips to true when someone presses
    /// stop.
    pub fn begin_turn(
        &self,
        id: &str,
        answering: i64,
    ) -> Option<tokio::sync::watch::Receiver<bool>> {
        self.with(id, |e| {
            if e.busy {
                return None;
            }
            let (tx, rx) = tokio::sync::watch::channel(false);
            e.busy = true;
            e.stop = Some(tx);
            e.draft.clear();
            e.follows = answering;
            Some(rx)
        })
    }

    pub fn end_turn(&self, id: &str) {
        self.existing(id, |e| {
            e.busy = false;
            e.stop = None;
            e.draft.clear();
        });
        self.sweep();
    }

    /// A follower left: forgets the interview if nobody else follows it and no turn runs.
    fn unfollowed(&self, id: &str) {
        let mut map = self.lock();
        if map.get(id).is_some_and(Entry::idle) {
            map.remove(id);
        }
    }

    /// Forgets interviews nobody follows and no turn runs for, so the hub's memory stays
    /// bounded by the interviews in use, not the interviews ever held.
    pub fn sweep(&self) {
        self.lock().retain(|_, e| !e.idle());
    }

    /// How many interviews the hub holds state for.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the hub holds state for this interview.
    pub fn holds(&self, id: &str) -> bool {
        self.lock().contains_key(id)
    }

    pub fn is_busy(&self, id: &str) -> bool {
        self.existing(id, |e| e.busy).unwrap_or(false)
    }

    /// Asks the running turn to stop generating; false if none runs.
    pub fn stop(&self, id: &str) -> bool {
        self.existing(id, |e| {
            e.stop
                .as_ref()
                .map(|s| s.send(true).is_ok())
                .unwrap_or(false)
        })
        .unwrap_or(false)
    }
}

/// What a browser is sent when it (re)connects, before live events.
#[derive(Debug, Clone, PartialEq)]
pub enum Opening {
    /// A stored message (sent with its sequence number as the event id).
    Message(Message),
    /// The reply being drafted.
    Draft(String),
}

/// Orders what a (re)connecting browser is sent before live events: the stored messages after
/// `after` (its `Last-Event-ID`) and the draft snapshot taken when it subscribed.
///
/// The snapshot is taken before the stored messages are read (so that nothing committed in
/// between is missed), and by then the draft's own reply may be committed but not yet
/// announced. So the draft goes before every message committed since it began: the browser
/// clears its draft on each message, and a stale draft is cleared by the very reply it
/// drafted. Messages from before the draft began go first, so they do not wipe a draft that is
/// still being written.
pub fn opening(after: i64, stored: Vec<Message>, draft: Draft) -> Vec<Opening> {
    let (before, since): (Vec<Message>, Vec<Message>) = stored
        .into_iter()
        .filter(|m| m.seq > after)
        .partition(|m| m.seq <= draft.follows);
    let mut out: Vec<Opening> = before.into_iter().map(Opening::Message).collect();
    if !draft.text.is_empty() {
        out.push(Opening::Draft(draft.text));
    }
    out.extend(since.into_iter().map(Opening::Message));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_unfollowed_interviews_are_forgotten() {
        let hub = LiveHub::default();
        let (_, followed) = hub.subscribe("a");
        assert!(hub.begin_turn("b", 1).is_some());
        assert!(hub.begin_turn("b", 1).is_none(), "one turn at a time");
        hub.publish("b", LiveEvent::Token { text: "x".into() });
        hub.end_turn("b");
        assert_eq!(hub.len(), 1, "b is gone, a is followed");
        drop(followed);
        hub.sweep();
        assert!(hub.is_empty());
    }

    #[test]
    fn the_last_follower_leaving_drops_the_entry_unless_a_turn_runs() {
        let hub = LiveHub::default();
        let (_, first, first_guard) = hub.follow("a");
        let (_, second, second_guard) = hub.follow("a");
        drop(first);
        drop(first_guard);
        assert!(hub.holds("a"), "someone still follows");
        drop(second);
        drop(second_guard);
        assert!(!hub.holds("a"), "dropped as the last follower left");

        // While a turn runs the entry stays (it holds the draft and the stop switch) ...
        let (_, receiver, guard) = hub.follow("b");
        assert!(hub.begin_turn("b", 1).is_some());
        drop(receiver);
        drop(guard);
        assert!(hub.holds("b"));
        // ... and goes when the turn ends with nobody following.
        hub.end_turn("b");
        assert!(!hub.holds("b"));
        assert!(hub.is_empty());
    }

    #[test]
    fn asking_about_an_unfollowed_interview_leaves_nothing_behind() {
        let hub = LiveHub::default();
        hub.publish("a", LiveEvent::Finished);
        hub.publish("a", LiveEvent::Token { text: "x".into() });
        assert!(!hub.is_busy("a"));
        assert!(!hub.stop("a"));
        hub.end_turn("a");
        assert!(hub.is_empty());
    }

    fn message(seq: i64) -> Message {
        Message {
            id: format!("m{seq}"),
            seq,
            author: crate::store::Author::Interviewer,
            content: format!("message {seq}"),
            requirement_id: None,
            citations: Vec::new(),
            held: false,
            flags: Vec::new(),
            created_at: 0,
        }
    }

    #[test]
    fn a_draft_follows_the_answered_message_and_the_replies_announced_since() {
        let hub = LiveHub::default();
        let (_, _receiver, _guard) = hub.follow("a");
        assert!(hub.begin_turn("a", 4).is_some());
        hub.publish(
            "a",
            LiveEvent::Token {
                text: "Good. ".into(),
            },
        );
        assert_eq!(
            hub.subscribe("a").0,
            Draft {
                text: "Good. ".into(),
                follows: 4
            }
        );
        // The first reply is announced; the next one starts drafting after it.
        hub.publish(
            "a",
            LiveEvent::Message {
                message: message(5),
            },
        );
        hub.publish(
            "a",
            LiveEvent::Token {
                text: "Next".into(),
            },
        );
        assert_eq!(
            hub.subscribe("a").0,
            Draft {
                text: "Next".into(),
                follows: 5
            }
        );
    }

    fn seqs_and_draft(opening: &[Opening]) -> Vec<String> {
        opening
            .iter()
            .map(|o| match o {
                Opening::Message(m) => m.seq.to_string(),
                Opening::Draft(text) => format!("draft:{text}"),
            })
            .collect()
    }

    #[test]
    fn the_draft_goes_before_the_messages_committed_since_it_began() {
        let stored: Vec<Message> = (1..=5).map(message).collect();
        let drafting = |text: &str, follows| Draft {
            text: text.into(),
            follows,
        };

        // The reply (5) was committed after the snapshot of its draft, not yet announced: the
        // draft comes first, so the reply clears it.
        let stale = opening(0, stored.clone(), drafting("Tell me", 4));
        assert_eq!(
            seqs_and_draft(&stale),
            ["1", "2", "3", "4", "draft:Tell me", "5"]
        );
        // A reconnect that saw up to 4.
        let resumed = opening(4, stored.clone(), drafting("Tell me", 4));
        assert_eq!(seqs_and_draft(&resumed), ["draft:Tell me", "5"]);

        // The draft is still live (its reply is not stored): the earlier messages go first,
        // so they do not wipe it.
        let live = opening(0, stored[..4].to_vec(), drafting("Tell me", 4));
        assert_eq!(seqs_and_draft(&live), ["1", "2", "3", "4", "draft:Tell me"]);

        // No draft: just the messages after Last-Event-ID.
        let plain = opening(2, stored, Draft::default());
        assert_eq!(seqs_and_draft(&plain), ["3", "4", "5"]);
    }
}
