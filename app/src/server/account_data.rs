//! A candidate's rights over their own data: export everything the platform keeps about them,
//! and delete their account with it. Both act only on the caller (resolved and checked by
//! [`super::guard::require`] in the server functions); neither takes an account id.

use super::errors::{internal, retry_after, status};
use super::guard::Caller;
use super::interviews::HELD_NOTICE;
use crate::api::ApiError;
use rehearse_auth::accounts::DeleteAccountError;
use rehearse_db::{format_ms, AuditKind, NewAuditEvent};
use rehearse_interview::scoring::Report;
use rehearse_interview::store::{Interview, Message};
use rehearse_llm::trace::Trace;
use rehearse_types::{
    AccountExport, DataExport, InterviewExport, MessageExport, ModelCallExport, ReportView,
};

/// The file name "Download my data" saves as.
pub const EXPORT_FILE_NAME: &str = "rehearse-my-data.json";

/// Everything kept about the caller: the account, every interview with its messages and
/// report, and the metadata of the model calls made for them. Held answers read as the notice
/// the chat shows in their place, as everywhere else a candidate can look. The export is
/// audited (`data_exported`).
pub async fn export(ctx: &Caller) -> Result<DataExport, ApiError> {
    let state = &ctx.state;
    let user = state
        .accounts
        .users()
        .by_id(&ctx.actor.user_id)
        .await?
        .ok_or_else(|| status(ApiError::NotFound))?;
    let store = state.interviews.store();
    let mut interviews = Vec::new();
    for interview in store.for_user(&user.id).await? {
        let messages = store.messages(&interview.id).await?;
        interviews.push(interview_export(interview, messages));
    }
    let model_calls = state
        .gateway
        .traces()
        .for_user(&user.id)
        .await?
        .into_iter()
        .map(model_call_export)
        .collect();
    let ip = ctx.ip.map(|ip| ip.to_string());
    state
        .accounts
        .audit()
        .record(
            AuditKind::DataExported,
            NewAuditEvent::by_self(&user.id, &user.email, ip.as_deref(), ""),
        )
        .await?;
    if let Some(options) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        let disposition = format!("attachment; filename=\"{EXPORT_FILE_NAME}\"");
        if let Ok(value) = axum::http::HeaderValue::from_str(&disposition) {
            options.insert_header(axum::http::header::CONTENT_DISPOSITION, value);
        }
    }
    Ok(DataExport {
        exported_at: format_ms(rehearse_db::now_ms()),
        account: AccountExport {
            id: user.id,
            email: user.email,
            display_name: user.display_name,
            role: user.role,
            email_verified: user.email_verified,
            created_at: format_ms(user.created_at),
        },
        interviews,
        model_calls,
    })
}

/// Deletes the caller's account and everything of theirs once `confirmation` is their current
/// password (an account without a password types its email address), then ends this session;
/// every other session of the account is signed out at its next request.
pub async fn delete(ctx: &Caller, confirmation: &str) -> Result<(), ApiError> {
    let erased = ctx
        .state
        .accounts
        .delete_own_account(&ctx.actor, confirmation, ctx.ip)
        .await
        .map_err(delete_error)?;
    tracing::info!(
        interviews = erased.interviews,
        traces = erased.traces,
        audit_rows = erased.audit_rows_pseudonymised,
        "an account was deleted by its owner"
    );
    let session: tower_sessions::Session = leptos_axum::extract().await.map_err(internal)?;
    session.flush().await.map_err(internal)?;
    Ok(())
}

fn delete_error(error: DeleteAccountError) -> ApiError {
    match error {
        DeleteAccountError::WrongConfirmation => status(ApiError::Invalid(
            "That is not your current password (or, for an account without one, your email \
             address). Nothing was deleted."
                .into(),
        )),
        DeleteAccountError::Throttled(throttled) => {
            let seconds = u32::try_from(throttled.retry_after.as_secs().max(1)).unwrap_or(60);
            retry_after(
                ApiError::RateLimited {
                    message: format!(
                        "Too many attempts. Nothing was deleted; try again in {} minute(s).",
                        seconds.div_ceil(60)
                    ),
                    retry_after_secs: seconds,
                },
                seconds,
            )
        }
        DeleteAccountError::LastAdmin => status(ApiError::Conflict(
            "You are the last admin. Make someone else an admin before deleting your account."
                .into(),
        )),
        DeleteAccountError::NotFound => status(ApiError::NotFound),
        DeleteAccountError::Db(e) => ApiError::from(e),
        DeleteAccountError::Hash(e) => internal(e),
    }
}

fn interview_export(interview: Interview, messages: Vec<Message>) -> InterviewExport {
    InterviewExport {
        id: interview.id,
        role_title: interview.role_title,
        kind: interview.kind,
        difficulty: interview.difficulty,
        status: interview.status,
        started_at: format_ms(interview.created_at),
        messages: messages.into_iter().map(message_export).collect(),
        report: interview.report.map(report_export),
    }
}

fn message_export(m: Message) -> MessageExport {
    MessageExport {
        seq: m.seq,
        text: if m.held {
            HELD_NOTICE.to_owned()
        } else {
            m.content
        },
        author: m.author,
        sent_at: format_ms(m.created_at),
    }
}

fn report_export(r: Report) -> ReportView {
    super::interviews::report_view(r)
}

/// A trace without its prompt and output: those carry the interviewer's instructions (admins
/// only); the candidate's words are in the interviews.
fn model_call_export(t: Trace) -> ModelCallExport {
    let call = t.call;
    ModelCallExport {
        id: call.id,
        at: format_ms(call.started_at),
        interview_id: call.interview_id,
        step: call.step,
        provider: call.provider,
        model: call.model,
        prompt_version: call.prompt_version,
        status: t.status.as_str().to_owned(),
        prompt_tokens: t.prompt_tokens,
        completion_tokens: t.completion_tokens,
        cost_usd: rehearse_llm::pricing::nanos_to_usd(t.cost_nanos),
        latency_ms: t.latency_ms,
    }
}
