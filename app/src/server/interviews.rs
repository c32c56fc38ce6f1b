//! Interview operations behind the server functions: the ownership check, then one call into
//! the interview service, then a conversion for the browser. The conversions themselves live in
//! [`super::interview_views`] (and the Markdown allow-list in [`super::markdown`]), so this file
//! stays about who may do what and how service errors reach the browser. The view items other
//! code names through this path (and `render_markdown`, which the README names here) are
//! re-exported below.

use super::errors::{internal, retry_after, status};
use super::guard::Caller;
use super::interview_views::competency_scores;
use crate::api::ApiError;
use rehearse_auth::policy;
use rehearse_interview::flow::{Difficulty, Kind};
use rehearse_interview::service::ServiceError;
use rehearse_interview::store::{Interview, Status};
use rehearse_types::{InterviewSummary, InterviewView, MessageView};

pub use super::interview_views::{message_view, HELD_NOTICE};
pub use super::markdown::render_markdown;

pub(crate) use super::interview_views::{report_view, report_view_for};

fn parse<T: for<'de> serde::Deserialize<'de>>(value: &str, what: &str) -> Result<T, ApiError> {
    serde_json::from_value(serde_json::Value::String(value.to_owned()))
        .map_err(|_| status(ApiError::Invalid(format!("Unknown {what}."))))
}

fn service_error(e: ServiceError) -> ApiError {
    match e {
        ServiceError::NotFound => status(ApiError::NotFound),
        ServiceError::UnknownRole => status(ApiError::Invalid("Unknown role.".into())),
        ServiceError::Invalid(m) => status(ApiError::Invalid(m)),
        ServiceError::Over => status(ApiError::Invalid("This interview is over.".into())),
        ServiceError::Busy => retry_after(
            ApiError::Conflict(
                "The interviewer is still answering. Your message was not sent; send it again in a moment.".into(),
            ),
            2,
        ),
        ServiceError::Overloaded { retry_after_secs } => retry_after(
            ApiError::Busy {
                message: format!(
                    "The interviewer is busy with other candidates right now. Please try again in {retry_after_secs} s; nothing was started."
                ),
                retry_after_secs,
            },
            retry_after_secs,
        ),
        ServiceError::KeyReused => status(ApiError::Invalid(
            "This message was already sent with different text. Reload the page to see the conversation.".into(),
        )),
        ServiceError::Quota(exceeded) => super::errors::quota(exceeded),
        // Only a background turn meets its deadline; a request never waits for one.
        e @ ServiceError::Deadline(_) => internal(e),
        ServiceError::Db(e) => ApiError::from(e),
    }
}

/// Loads an interview the caller may see: its owner, or staff.
async fn visible(ctx: &Caller, id: &str) -> Result<Interview, ApiError> {
    let interview = ctx
        .state
        .interviews
        .store()
        .get(id)
        .await?
        .ok_or_else(|| status(ApiError::NotFound))?;
    policy::require_owner_or(Some(&ctx.actor), &interview.user_id, policy::STAFF)
        .map_err(super::guard::refused)?;
    Ok(interview)
}

/// Loads an interview the caller may write in: only its owner.
async fn owned(ctx: &Caller, id: &str) -> Result<Interview, ApiError> {
    let interview = visible(ctx, id).await?;
    policy::require_owner_or(Some(&ctx.actor), &interview.user_id, &[])
        .map_err(super::guard::refused)?;
    Ok(interview)
}

pub async fn start(
    ctx: &Caller,
    role: &str,
    kind: &str,
    difficulty: &str,
    focus: Option<&str>,
) -> Result<String, ApiError> {
    super::limits::admit(ctx, super::limits::Action::StartInterview)?;
    let _place = super::limits::take_place(ctx).await?;
    let kind: Kind = parse(kind, "interview type")?;
    let difficulty: Difficulty = parse(difficulty, "difficulty")?;
    if focus.is_some_and(|f| f.len() > 80) {
        return Err(status(ApiError::Invalid("Unknown competency.".into())));
    }
    let interview = ctx
        .state
        .interviews
        .start_focused(&ctx.actor.user_id, role, kind, difficulty, focus)
        .await
        .map_err(service_error)?;
    Ok(interview.id)
}

pub async fn history(ctx: &Caller) -> Result<Vec<InterviewSummary>, ApiError> {
    let list = ctx
        .state
        .interviews
        .store()
        .for_user(&ctx.actor.user_id)
        .await?;
    Ok(list
        .into_iter()
        .map(|i| InterviewSummary {
            id: i.id,
            role_title: i.role_title,
            kind: i.kind,
            status: i.status,
            started_at: rehearse_db::format_ms(i.created_at),
            started_at_ms: i.created_at,
            competencies: i.report.as_ref().map(competency_scores).unwrap_or_default(),
            overall: i.report.map(|r| r.overall),
            role_slug: i.role_slug,
        })
        .collect())
}

pub async fn detail(ctx: &Caller, id: &str) -> Result<InterviewView, ApiError> {
    let interview = visible(ctx, id).await?;
    let messages = ctx.state.interviews.store().messages(id).await?;
    let turn_failed = ctx
        .state
        .interviews
        .turn_failed(&interview)
        .await
        .map_err(service_error)?;
    Ok(InterviewView {
        can_write: interview.user_id == ctx.actor.user_id && interview.status != Status::Done,
        turn_failed,
        id: interview.id,
        role_title: interview.role_title,
        kind: interview.kind,
        difficulty: interview.difficulty,
        status: interview.status,
        pause_reason: interview.pause_reason,
        report: interview.report.map(|r| report_view_for(r, &messages)),
        messages: messages.into_iter().map(message_view).collect(),
    })
}

pub async fn send(ctx: &Caller, id: &str, text: &str, key: &str) -> Result<MessageView, ApiError> {
    // Charged before the interview is read: a refused send stores nothing and queues no turn.
    super::limits::admit(ctx, super::limits::Action::SendMessage)?;
    let _place = super::limits::take_place(ctx).await?;
    let interview = owned(ctx, id).await?;
    let submitted = ctx
        .state
        .interviews
        .submit(&interview, text, key)
        .await
        .map_err(service_error)?;
    let message = match submitted {
        rehearse_interview::store::Submitted::New(m)
        | rehearse_interview::store::Submitted::Duplicate(m) => m,
    };
    Ok(message_view(message))
}

pub async fn stop(ctx: &Caller, id: &str) -> Result<bool, ApiError> {
    owned(ctx, id).await?;
    Ok(ctx.state.interviews.live().stop(id))
}

pub async fn resume(ctx: &Caller, id: &str) -> Result<(), ApiError> {
    let interview = owned(ctx, id).await?;
    ctx.state
        .interviews
        .resume(&interview)
        .await
        .map_err(service_error)
}

/// Plays again a turn that failed for good (the candidate pressed Retry).
pub async fn retry_turn(ctx: &Caller, id: &str) -> Result<(), ApiError> {
    let interview = owned(ctx, id).await?;
    ctx.state
        .interviews
        .retry_turn(&interview)
        .await
        .map_err(service_error)
}
