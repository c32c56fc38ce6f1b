use serde::{Deserialize, Serialize};

/// A row of the admin traces page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceRow {
    pub id: String,
    pub started_at: String,
    pub interview_id: Option<String>,
    pub step: String,
    pub provider: String,
    pub model: String,
    pub status: String,
    pub ttft_ms: Option<i64>,
    pub latency_ms: Option<i64>,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub cost_usd: f64,
}

/// One model call in full.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceView {
    pub row: TraceRow,
    pub prompt_version: Option<String>,
    pub request_json: String,
    pub context_ids: String,
    pub output: String,
    pub tool_calls_json: String,
    pub refused_tools_json: String,
    pub error: Option<String>,
    /// Every provider attempt in order (retries, fallbacks, open breakers), as JSON.
    pub attempts_json: String,
}

/// The active model and the cost ceilings, for admins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AiStatus {
    pub provider: String,
    pub model: String,
    pub context_window: u32,
    pub input_usd_per_mtok: f64,
    pub output_usd_per_mtok: f64,
    pub ceilings: Vec<CeilingView>,
    pub spent_today_usd: f64,
    /// Each provider's circuit breaker: the primary first, then the fallbacks in order.
    pub breakers: Vec<BreakerView>,
    /// The knowledge base's caches since the server started.
    pub caches: Vec<CacheView>,
    /// What live streaming holds in memory right now.
    pub live: LiveView,
}

/// Live streaming's memory, for admins: both numbers fall back to 0 when nobody watches and no
/// interviewer turn runs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LiveView {
    /// Browsers' open event streams, over all users.
    pub open_streams: u64,
    /// Interviews the live hub keeps state for (someone watches, or a turn runs).
    pub interviews_held: u64,
}

/// One bounded cache, for admins: how full it is and whether it pays.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CacheView {
    pub name: String,
    pub entries: u64,
    pub hits: u64,
    pub misses: u64,
    /// Hits over lookups (0 before the first lookup).
    pub hit_rate: f64,
}

/// One model provider's circuit breaker, for admins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BreakerView {
    /// `primary`, `fallback 1`, `fallback 2`, ...
    pub role: String,
    pub provider: String,
    pub model: String,
    /// `closed` (calls pass), `open` (calls fail fast) or `half_open` (the next call is a trial).
    pub state: String,
    pub consecutive_failures: u32,
    /// While open: seconds until a trial call goes through.
    pub retry_in_secs: Option<u64>,
    /// Times it opened since the server started.
    pub opened_count: u64,
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CeilingView {
    /// `interview`, `user_day` or `global_day`.
    pub scope: String,
    pub limit_usd: f64,
}

/// One version of a prompt template, for the admin prompts page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromptVersionView {
    pub name: String,
    pub version: i64,
    pub body: String,
    pub created_at: String,
    pub created_by: Option<String>,
    pub active: bool,
    /// Lines against the previous version, each prefixed `+ `, `- ` or `  `.
    pub diff: Vec<String>,
}

/// A background job that failed, for the admin jobs page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailedJobView {
    pub id: String,
    /// What the job does, in words ("Interviewer turn", "Job-description ingestion", ...).
    pub what: String,
    /// True for a dead letter (no more automatic tries); false while it waits to be retried.
    pub dead: bool,
    pub attempts: i64,
    pub last_error: String,
    pub updated_at: String,
}
