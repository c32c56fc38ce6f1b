//! Interview operations behind the server functions: the ownership check, then one call into
//! the interview service, then a conversion for the browser.

use super::errors::{internal, retry_after, status};
use super::guard::Caller;
use crate::api::ApiError;
use rehearse_auth::policy;
use rehearse_interview::flow::{Difficulty, Kind};
use rehearse_interview::service::ServiceError;
use rehearse_interview::store::{Interview, Message, Status};
use rehearse_types::{InterviewSummary, InterviewView, MessageView, ReportView, ScoreView};

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
        ServiceError::KeyReused => status(ApiError::Invalid(
            "This message was already sent with different text. Reload the page to see the conversation.".into(),
        )),
        ServiceError::Db(e) => internal(e),
    }
}

/// Loads an interview the caller may see: its owner, or staff.
async fn visible(ctx: &Caller, id: &str) -> Result<Interview, ApiError> {
    let interview = ctx
        .state
        .interviews
        .store()
        .get(id)
        .await
        .map_err(internal)?
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
) -> Result<String, ApiError> {
    let kind: Kind = parse(kind, "interview type")?;
    let difficulty: Difficulty = parse(difficulty, "difficulty")?;
    let interview = ctx
        .state
        .interviews
        .start(&ctx.actor.user_id, role, kind, difficulty)
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
        .await
        .map_err(internal)?;
    Ok(list
        .into_iter()
        .map(|i| InterviewSummary {
            id: i.id,
            role_title: i.role_title,
            kind: label(&i.kind),
            status: status_text(i.status).to_owned(),
            started_at: rehearse_db::format_ms(i.created_at),
            started_at_ms: i.created_at,
            overall: i.report.map(|r| r.overall),
        })
        .collect())
}

pub async fn detail(ctx: &Caller, id: &str) -> Result<InterviewView, ApiError> {
    let interview = visible(ctx, id).await?;
    let messages = ctx
        .state
        .interviews
        .store()
        .messages(id)
        .await
        .map_err(internal)?;
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
        kind: label(&interview.kind),
        difficulty: label(&interview.difficulty),
        status: status_text(interview.status).to_owned(),
        pause_reason: interview.pause_reason,
        messages: messages.into_iter().map(message_view).collect(),
        report: interview.report.map(|r| ReportView {
            overall: r.overall,
            scores: r
                .scores
                .into_iter()
                .map(|s| ScoreView {
                    competency: s.competency,
                    requirement_id: s.requirement_id,
                    requirement: s.requirement,
                    score: s.score,
                    evidence: s.evidence,
                    rationale: s.rationale,
                    source: s.source,
                })
                .collect(),
            strengths: r.strengths,
            improvements: r.improvements,
        }),
    })
}

pub async fn send(ctx: &Caller, id: &str, text: &str, key: &str) -> Result<MessageView, ApiError> {
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

fn label<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
        .unwrap_or_default()
}

fn status_text(status: Status) -> &'static str {
    match status {
        Status::Active => "active",
        Status::Paused => "paused",
        Status::Done => "done",
    }
}

/// Renders a message's Markdown to HTML, then keeps only safe tags and attributes: the text
/// may come from the candidate or the model, and neither may inject script or markup.
pub fn render_markdown(text: &str) -> String {
    let parser =
        pulldown_cmark::Parser::new_ext(text, pulldown_cmark::Options::ENABLE_STRIKETHROUGH);
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, parser);
    ammonia::clean(&html)
}

/// Text as HTML text content (job-description passages are data, never markup).
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Shown instead of an answer that failed the grounding check.
pub const HELD_NOTICE: &str =
    "This answer is being checked by a reviewer before it is shown to you.";

/// A message as the candidate sees it: Markdown rendered and sanitised, the job-description
/// passages an answer cites listed under it, and a held answer replaced by a notice.
pub fn message_view(m: Message) -> MessageView {
    let html = if m.held {
        format!("<p class=\"italic text-slate-500\" data-testid=\"held\">{HELD_NOTICE}</p>")
    } else if m.citations.is_empty() {
        render_markdown(&m.content)
    } else {
        let items: String = m
            .citations
            .iter()
            .map(|c| {
                format!(
                    "<li data-chunk=\"{}\"><strong>[{}]</strong> <em>{}</em>: {}</li>",
                    escape(&c.chunk_id),
                    c.marker,
                    escape(&c.section),
                    escape(&c.text)
                )
            })
            .collect();
        format!(
            "{}<ol class=\"mt-2 list-none border-l-2 border-slate-300 pl-2 text-xs text-slate-600\" data-testid=\"citations\">{items}</ol>",
            render_markdown(&m.content)
        )
    };
    MessageView {
        id: m.id,
        seq: m.seq,
        author: m.author,
        html,
    }
}

#[cfg(test)]
mod tests {
    use super::render_markdown;

    #[test]
    fn markdown_is_sanitised() {
        let html = render_markdown("**bold** <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>");
        assert!(html.contains("<strong>bold</strong>"));
        assert!(!html.contains("<script"));
        assert!(!html.contains("javascript:"));
        assert!(!html.contains("onerror"));
    }
}
