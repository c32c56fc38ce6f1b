use super::ApiError;
use leptos::prelude::*;
use rehearse_types::{AiStatus, FailedJobView, TraceRow, TraceView};

/// Every status a model call can have, as `list_traces` takes them, for its filter: read from
/// the server's own set, so the page offers exactly the statuses a trace can be in.
#[server(endpoint = "call_statuses")]
pub async fn call_statuses() -> Result<Vec<String>, ApiError> {
    crate::server::guard::require(rehearse_auth::policy::ADMIN).await?;
    Ok(rehearse_llm::trace::CallStatus::spellings())
}

/// Model calls, newest first (admins).
#[server(endpoint = "list_traces")]
pub async fn list_traces(
    interview_id: Option<String>,
    status: Option<String>,
) -> Result<Vec<TraceRow>, ApiError> {
    let ctx = crate::server::guard::require(rehearse_auth::policy::ADMIN).await?;
    crate::server::ops::traces(&ctx, interview_id, status).await
}

/// One model call in full (admins).
#[server(endpoint = "trace_detail")]
pub async fn trace_detail(id: String) -> Result<TraceView, ApiError> {
    let ctx = crate::server::guard::require(rehearse_auth::policy::ADMIN).await?;
    crate::server::ops::trace(&ctx, &id).await
}

/// The active model, its prices, the ceilings and today's spend (admins).
#[server(endpoint = "ai_overview")]
pub async fn ai_overview() -> Result<AiStatus, ApiError> {
    let ctx = crate::server::guard::require(rehearse_auth::policy::ADMIN).await?;
    crate::server::ops::overview(&ctx).await
}

/// Sets a cost ceiling in US dollars (admins): how a paused interview gets going again.
#[server(endpoint = "set_ceiling")]
pub async fn set_ceiling(scope: String, usd: f64) -> Result<(), ApiError> {
    let ctx = crate::server::guard::require(rehearse_auth::policy::ADMIN).await?;
    crate::server::ops::set_ceiling(&ctx, &scope, usd).await
}

/// Background jobs that failed: dead letters and jobs waiting to be retried (admins).
#[server(endpoint = "list_failed_jobs")]
pub async fn list_failed_jobs() -> Result<Vec<FailedJobView>, ApiError> {
    let ctx = crate::server::guard::require(rehearse_auth::policy::ADMIN).await?;
    crate::server::ops::failed_jobs(&ctx).await
}

/// Queues a dead job to run again, from a fresh attempt count (admins; audited).
#[server(endpoint = "requeue_job")]
pub async fn requeue_job(id: String) -> Result<(), ApiError> {
    let ctx = crate::server::guard::require(rehearse_auth::policy::ADMIN).await?;
    crate::server::ops::requeue_job(&ctx, &id).await
}
