use super::ApiError;
use leptos::prelude::*;
use rehearse_types::{InterviewSummary, InterviewView, MessageView, RoleView};

/// The roles a candidate can practise for.
#[server(endpoint = "list_roles")]
pub async fn list_roles() -> Result<Vec<RoleView>, ApiError> {
    let ctx = crate::server::guard::require(rehearse_auth::policy::ANY_ROLE).await?;
    Ok(ctx
        .state
        .interviews
        .available_roles()
        .await
        .map_err(crate::server::errors::internal)?
        .into_iter()
        .map(|r| RoleView {
            slug: r.slug,
            title: r.title,
            summary: r.summary,
        })
        .collect())
}

/// Starts an interview for the caller (`focus`: a competency to practise, so only the role's
/// requirements in it are asked) and sends the browser to it. A form posted without script is
/// redirected; the page's script opens the interview itself with a full page load (so there is
/// one navigation, never a client-side one raced by a reload).
#[server(endpoint = "start_interview")]
pub async fn start_interview(
    role: String,
    kind: String,
    difficulty: String,
    focus: Option<String>,
) -> Result<String, ApiError> {
    let ctx = crate::server::guard::require(rehearse_auth::policy::ANY_ROLE).await?;
    let focus = focus.filter(|f| !f.trim().is_empty());
    let id =
        crate::server::interviews::start(&ctx, &role, &kind, &difficulty, focus.as_deref()).await?;
    let headers: axum::http::HeaderMap = leptos_axum::extract().await.unwrap_or_default();
    let plain_form = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if plain_form {
        leptos_axum::redirect(&format!("/interviews/{id}"));
    }
    Ok(id)
}

/// The caller's interviews, newest first, with their scores.
#[server(endpoint = "my_interviews")]
pub async fn my_interviews() -> Result<Vec<InterviewSummary>, ApiError> {
    let ctx = crate::server::guard::require(rehearse_auth::policy::ANY_ROLE).await?;
    crate::server::interviews::history(&ctx).await
}

/// One interview with its transcript and report (its owner, reviewers and admins).
#[server(endpoint = "interview_detail")]
pub async fn interview_detail(id: String) -> Result<InterviewView, ApiError> {
    let ctx = crate::server::guard::require(rehearse_auth::policy::ANY_ROLE).await?;
    crate::server::interviews::detail(&ctx, &id).await
}

/// Sends the candidate's message. It is stored before the interviewer starts; resending with
/// the same key returns the stored message instead of a copy.
#[server(endpoint = "send_message")]
pub async fn send_message(id: String, text: String, key: String) -> Result<MessageView, ApiError> {
    let ctx = crate::server::guard::require(rehearse_auth::policy::ANY_ROLE).await?;
    crate::server::interviews::send(&ctx, &id, &text, &key).await
}

/// Stops the reply being generated (the model call is cancelled upstream).
#[server(endpoint = "stop_reply")]
pub async fn stop_reply(id: String) -> Result<bool, ApiError> {
    let ctx = crate::server::guard::require(rehearse_auth::policy::ANY_ROLE).await?;
    crate::server::interviews::stop(&ctx, &id).await
}

/// Plays again the interviewer's turn that failed for good (the Retry button).
#[server(endpoint = "retry_turn")]
pub async fn retry_turn(id: String) -> Result<(), ApiError> {
    let ctx = crate::server::guard::require(rehearse_auth::policy::ANY_ROLE).await?;
    crate::server::interviews::retry_turn(&ctx, &id).await
}

/// Resumes an interview paused by a cost ceiling (after an admin raised it).
#[server(endpoint = "resume_interview")]
pub async fn resume_interview(id: String) -> Result<(), ApiError> {
    let ctx = crate::server::guard::require(rehearse_auth::policy::ANY_ROLE).await?;
    crate::server::interviews::resume(&ctx, &id).await
}
