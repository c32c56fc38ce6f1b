use crate::{Author, Difficulty, InterviewKind, InterviewStatus};
use serde::{Deserialize, Serialize};

/// A role a candidate can practise for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleView {
    pub slug: String,
    pub title: String,
    pub summary: String,
}

/// A row of the candidate's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InterviewSummary {
    pub id: String,
    pub role_title: String,
    pub kind: InterviewKind,
    pub status: InterviewStatus,
    pub started_at: String,
    pub started_at_ms: i64,
    /// The report's overall score (1-5), once there is one.
    pub overall: Option<f32>,
    /// The role it was on, to start another like it.
    #[serde(default)]
    pub role_slug: String,
    /// The report's scores averaged per competency, once there is one.
    #[serde(default)]
    pub competencies: Vec<CompetencyPoint>,
}

/// One competency's score in one interview.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompetencyPoint {
    pub competency: String,
    pub score: f32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageView {
    pub id: String,
    pub seq: i64,
    pub author: Author,
    /// The message as sanitised HTML (rendered from Markdown on the server).
    pub html: String,
    /// For a message held for review: when it was held (Unix milliseconds), so the page can
    /// show its age as it grows. Never the held text.
    #[serde(default)]
    pub held_since_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreView {
    pub competency: String,
    pub requirement_id: String,
    pub requirement: String,
    pub score: u8,
    pub evidence: Option<String>,
    pub rationale: String,
    /// Where the job description states the requirement (heading path and chunk, e.g.
    /// "Payments Engineer > Requirements, chunk 2"), so the
    /// candidate can check a score against the text it rests on; None for built-in roles.
    #[serde(default)]
    pub source: Option<String>,
    /// The signals behind the score, for its "why this score" view; None on old reports.
    #[serde(default)]
    pub signals: Option<SignalsView>,
    /// For a score of 3 or less: what a strong answer would cover.
    #[serde(default)]
    pub strong_answer: Option<String>,
    /// ...and the candidate's own sentence that fell short.
    #[serde(default)]
    pub fell_short: Option<String>,
    /// The capable model's second reading (1-5), when one was made and held up to its checks;
    /// None while the report is under review.
    #[serde(default)]
    pub second_reading: Option<u8>,
}

/// The signals a score was computed from, each in percent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignalsView {
    pub relevance: u8,
    pub substance: u8,
    pub coherence: u8,
    pub specificity: u8,
    pub depth: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportView {
    pub overall: f32,
    pub scores: Vec<ScoreView>,
    pub strengths: Vec<String>,
    pub improvements: Vec<String>,
    /// Why the report was made on a degraded path, when it was: the page says so.
    #[serde(default)]
    pub degraded: Option<String>,
    /// A reviewer is checking the report: its scores are the automatic ones, and the
    /// reviewer's note arrives in the conversation.
    #[serde(default)]
    pub under_review: bool,
}

/// One interview, as its page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InterviewView {
    pub id: String,
    pub role_title: String,
    pub kind: InterviewKind,
    pub difficulty: Difficulty,
    pub status: InterviewStatus,
    pub pause_reason: Option<String>,
    /// Whether the signed-in user may write in it (its owner, while it runs).
    pub can_write: bool,
    /// The interviewer's turn for the candidate's last message failed for good: offer a retry.
    #[serde(default)]
    pub turn_failed: bool,
    pub messages: Vec<MessageView>,
    pub report: Option<ReportView>,
}
