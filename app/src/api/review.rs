use super::ApiError;
use leptos::prelude::*;
use rehearse_types::{ReviewDetail, ReviewMetricsView, ReviewRow};

/// Held answers waiting for a decision, oldest first (reviewers and admins). `reason` is a
/// reason key (`ungrounded`, `weak_retrieval`, `sensitive`, `retrieval_failed`, `safety`, `feedback`); `role` an
/// interview's role.
#[server(endpoint = "review_queue")]
pub async fn review_queue(
    reason: Option<String>,
    role: Option<String>,
) -> Result<Vec<ReviewRow>, ApiError> {
    let ctx = crate::server::guard::require(rehearse_auth::policy::STAFF).await?;
    crate::server::review::queue(&ctx, reason, role).await
}

/// One held answer in full (reviewers and admins).
#[server(endpoint = "review_item")]
pub async fn review_item(id: String) -> Result<ReviewDetail, ApiError> {
    let ctx = crate::server::guard::require(rehearse_auth::policy::STAFF).await?;
    crate::server::review::item(&ctx, &id).await
}

/// Claims an item before deciding it; the claim runs out if abandoned.
#[server(endpoint = "claim_review")]
pub async fn claim_review(id: String) -> Result<(), ApiError> {
    let ctx = crate::server::guard::require(rehearse_auth::policy::STAFF).await?;
    crate::server::review::claim(&ctx, &id).await
}

/// Approves the held answer as written.
#[server(endpoint = "approve_review")]
pub async fn approve_review(id: String) -> Result<(), ApiError> {
    let ctx = crate::server::guard::require(rehearse_auth::policy::STAFF).await?;
    crate::server::review::decide(&ctx, &id, rehearse_interview::review::Decision::Approve).await
}

/// Approves the answer with the reviewer's text instead.
#[server(endpoint = "edit_review")]
pub async fn edit_review(id: String, text: String) -> Result<(), ApiError> {
    let ctx = crate::server::guard::require(rehearse_auth::policy::STAFF).await?;
    crate::server::review::decide(&ctx, &id, rehearse_interview::review::Decision::Edit(text)).await
}

/// Rejects the answer; the candidate is told it cannot be confirmed.
#[server(endpoint = "reject_review")]
pub async fn reject_review(id: String, reason: String) -> Result<(), ApiError> {
    let ctx = crate::server::guard::require(rehearse_auth::policy::STAFF).await?;
    crate::server::review::decide(
        &ctx,
        &id,
        rehearse_interview::review::Decision::Reject(reason),
    )
    .await
}

/// Figures from the stored decisions: queue depth and oldest item, time to decision, outcomes
/// per flag reason, and how often the automatic check agreed with reviewers (admins only).
#[server(endpoint = "review_metrics")]
pub async fn review_metrics() -> Result<ReviewMetricsView, ApiError> {
    let ctx = crate::server::guard::require(rehearse_auth::policy::ADMIN).await?;
    crate::server::review_metrics::metrics(&ctx).await
}
