//! A candidate's own data, as "Download my data" gives it to them.

use crate::{Author, Difficulty, InterviewKind, InterviewStatus, ReportView, Role};
use serde::{Deserialize, Serialize};

/// Everything the platform keeps about one person, in one JSON document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataExport {
    /// When the export was made (UTC).
    pub exported_at: String,
    pub account: AccountExport,
    /// Newest first.
    pub interviews: Vec<InterviewExport>,
    /// The model calls made for them, without the prompts and outputs (those hold the
    /// interviewer's instructions; the words that matter are in `interviews`).
    pub model_calls: Vec<ModelCallExport>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountExport {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub email_verified: bool,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InterviewExport {
    pub id: String,
    pub role_title: String,
    pub kind: InterviewKind,
    pub difficulty: Difficulty,
    pub status: InterviewStatus,
    pub started_at: String,
    pub messages: Vec<MessageExport>,
    pub report: Option<ReportView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageExport {
    pub seq: i64,
    pub author: Author,
    /// The text as written (Markdown). An interviewer answer still waiting for a reviewer
    /// reads as the notice the chat shows in its place.
    pub text: String,
    pub sent_at: String,
}

/// One model call's metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelCallExport {
    pub id: String,
    pub at: String,
    pub interview_id: Option<String>,
    /// What the call was for (`question`, `summary`, ...).
    pub step: String,
    pub provider: String,
    pub model: String,
    pub prompt_version: Option<String>,
    pub status: String,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub cost_usd: f64,
    pub latency_ms: Option<i64>,
}
