//! What reviewers see of held answers, what admins see of the decisions, and the words both
//! sides use for ages.

use serde::{Deserialize, Serialize};

/// An item of the review queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewRow {
    pub id: String,
    /// The interview's role (a job-description version), for filtering.
    #[serde(default)]
    pub role: String,
    pub role_title: String,
    /// The candidate's question.
    pub question: String,
    /// Why it was held, in words.
    pub reasons: Vec<String>,
    /// `waiting` or `expired` (the candidate already got the fallback).
    pub state: String,
    /// How long it has waited, in words ("4 minutes").
    pub age: String,
    pub claimed_by_me: bool,
    pub claimed_by_other: bool,
}

/// A passage of the job description the held answer cites.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewPassage {
    pub marker: usize,
    pub section: String,
    pub text: String,
}

/// One item in full.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewDetail {
    pub row: ReviewRow,
    pub held_text: String,
    pub passages: Vec<ReviewPassage>,
    /// When the candidate gets the fallback if nobody decides.
    pub deadline: Option<String>,
    pub decided: Option<String>,
    /// For an edited answer: what the reviewer changed, word by word (empty otherwise).
    #[serde(default)]
    pub edit: Vec<DiffPiece>,
    /// The trace of what produced the held answer.
    #[serde(default)]
    pub trace: Option<ReviewTrace>,
}

/// What produced a held answer, from its trace: the retrieval (every chunk considered, with its
/// scores) for a quoted answer, or the model's conversation for a written one. Reviewers who are
/// not admins never see the system prompt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewTrace {
    pub id: String,
    /// "Quoted from the job description" or "Written by <provider> <model>".
    pub made_by: String,
    pub latency_ms: Option<i64>,
    pub cost_usd: f64,
    /// Chunks retrieval considered, best first (quoted answers).
    pub chunks: Vec<TraceChunk>,
    /// The conversation sent to the model (written answers), system prompt for admins only.
    pub messages: Vec<TraceMessage>,
    /// Whether the caller may open the full trace page (admins).
    pub full_trace: bool,
}

/// A chunk retrieval considered, with its scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceChunk {
    pub section: String,
    pub cosine: Option<f32>,
    pub bm25: Option<f32>,
    pub rerank: f64,
    pub passed: bool,
    /// Passed only on a second look: under the relevance floors, with a line that answers.
    #[serde(default)]
    pub second_look: bool,
    /// Why it was not used, when it was not.
    pub reason: Option<String>,
}

/// One message of a model call's conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceMessage {
    pub role: String,
    pub content: String,
}

/// How a piece of text changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Kept,
    Removed,
    Added,
}

/// A piece of a diff between the held answer and the reviewer's edit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffPiece {
    pub change: Change,
    pub text: String,
}

/// Figures from the stored review decisions (admins).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewMetricsView {
    /// Items waiting for a decision: the queue's depth.
    pub pending: u64,
    /// How long the oldest of them has waited, in milliseconds.
    pub oldest_pending_ms: Option<i64>,
    /// Time from being held to a reviewer's decision, in milliseconds.
    pub decision_p50_ms: Option<i64>,
    pub decision_p90_ms: Option<i64>,
    /// Every item, whatever its reasons.
    pub overall: ReasonMetricsView,
    /// Per flag reason (an item held for several reasons counts under each).
    pub by_reason: Vec<ReasonMetricsView>,
}

/// What reviewers decided about the answers held for one reason, and how often the automatic
/// check agreed with them. Rates are shares (0 to 1), None while there is nothing to share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReasonMetricsView {
    /// A reason key (`sensitive`, `ungrounded`, ...); empty for the overall figures.
    pub reason: String,
    /// The reason in words.
    pub label: String,
    pub pending: u64,
    pub approved: u64,
    pub edited: u64,
    pub rejected: u64,
    pub expired: u64,
    /// Shares of the closed items (decided or expired): they add up to 1.
    pub approve_rate: Option<f64>,
    pub edit_rate: Option<f64>,
    pub reject_rate: Option<f64>,
    pub expire_rate: Option<f64>,
    /// Approved unchanged: the check held them for nothing.
    pub false_alarms: u64,
    /// Edited or rejected: the check was right to hold them.
    pub true_catches: u64,
    /// True catches over the items a reviewer decided.
    pub agreement: Option<f64>,
}

/// The reasons an answer is held, by key (`HoldReason::key` on the server), in words.
pub const HOLD_REASONS: &[(&str, &str)] = &[
    ("sensitive", "Sensitive topic"),
    ("ungrounded", "Not supported by the job description"),
    ("weak_retrieval", "Weak match"),
    ("retrieval_failed", "Search failed"),
    ("safety", "Safety screen"),
    ("feedback", "Feedback report"),
];

/// A reason key in words, if it is one of [`HOLD_REASONS`].
pub fn hold_reason_label(key: &str) -> Option<&'static str> {
    HOLD_REASONS
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, l)| *l)
}

/// A span of time in words: "less than a minute", "1 minute", "3 hours", "2 days".
pub fn duration_words(ms: i64) -> String {
    let minutes = (ms.max(0) / 60_000) as u64;
    let (n, unit) = match minutes {
        0 => return "less than a minute".into(),
        m if m < 60 => (m, "minute"),
        m if m < 48 * 60 => (m / 60, "hour"),
        m => (m / (24 * 60), "day"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// How long ago a message was held, for the candidate: "held just now", "held 3 minutes ago".
pub fn held_ago(since_ms: i64, now_ms: i64) -> String {
    if now_ms - since_ms < 60_000 {
        "held just now".to_owned()
    } else {
        format!("held {} ago", duration_words(now_ms - since_ms))
    }
}

#[cfg(test)]
mod tests {
    use super::{duration_words, held_ago};

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration_words(30_000), "less than a minute");
        assert_eq!(duration_words(-5), "less than a minute");
        assert_eq!(duration_words(60_000), "1 minute");
        assert_eq!(duration_words(5 * 60_000), "5 minutes");
        assert_eq!(duration_words(3 * 3_600_000), "3 hours");
        assert_eq!(duration_words(3 * 86_400_000), "3 days");
    }

    #[test]
    fn held_ages_read_naturally() {
        assert_eq!(held_ago(0, 10_000), "held just now");
        // A client clock a little behind the server's.
        assert_eq!(held_ago(10_000, 0), "held just now");
        assert_eq!(held_ago(0, 3 * 60_000), "held 3 minutes ago");
        assert_eq!(held_ago(0, 2 * 3_600_000), "held 2 hours ago");
    }
}
