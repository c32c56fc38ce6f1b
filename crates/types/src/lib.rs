//! Types that cross the wire between the server and the browser.
//!
//! This crate compiles for `wasm32-unknown-unknown`, so it must never depend on anything
//! server-only (sqlx, tokio, reqwest, model runtimes).

mod form;
mod interview;
mod knowledge;
mod ops;
mod review;
mod role;
mod views;

pub use form::{FieldError, FormErrors};
pub use interview::{
    InterviewSummary, InterviewView, MessageView, ReportView, RoleView, ScoreView,
};
pub use knowledge::{
    ChunkView, JdDetailView, JdSummaryView, JdVersionView, RankedChunkView, TryQuestionView,
};
pub use ops::{AiStatus, CeilingView, FailedJobView, PromptVersionView, TraceRow, TraceView};
pub use review::{ReviewDetail, ReviewPassage, ReviewRow};
pub use role::{Role, UnknownRole};
pub use views::{AuditEventView, AuditPage, CurrentUser, FormFlash, OAuthProviderView, UserView};
