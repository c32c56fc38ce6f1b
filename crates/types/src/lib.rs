//! Types that cross the wire between the server and the browser.
//!
//! This crate compiles for `wasm32-unknown-unknown`, so it must never depend on anything
//! server-only (sqlx, tokio, reqwest, model runtimes).

mod closed_sets;
mod data_rights;
mod form;
mod interview;
mod knowledge;
mod ops;
mod review;
mod role;
mod views;

pub use closed_sets::{Author, Difficulty, InterviewKind, InterviewStatus, VersionStatus};
pub use data_rights::{AccountExport, DataExport, InterviewExport, MessageExport, ModelCallExport};
pub use form::{FieldError, FormErrors};
pub use interview::{
    CompetencyPoint, InterviewSummary, InterviewView, MessageView, ReportView, RoleView, ScoreView,
    SignalsView,
};
pub use knowledge::{
    chunk_use, ChunkView, JdDetailView, JdSummaryView, JdVersionView, RankedChunkView,
    TryQuestionView,
};
pub use ops::{
    AiStatus, BreakerView, CacheView, CeilingView, FailedJobView, LiveView, PromptVersionView,
    TraceRow, TraceView,
};
pub use review::{
    duration_words, held_ago, hold_reason_label, Change, DiffPiece, ReasonMetricsView,
    ReviewDetail, ReviewMetricsView, ReviewPassage, ReviewRow, ReviewTrace, TraceChunk,
    TraceMessage, HOLD_REASONS,
};
pub use role::{Role, UnknownRole};
pub use views::{AuditEventView, AuditPage, CurrentUser, FormFlash, OAuthProviderView, UserView};
