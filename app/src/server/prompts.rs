//! Prompt administration behind the server functions. Saving a version and activating one
//! (which is also how a rollback happens) go to the audit log, since both change what the
//! interviewer is told in every interview started afterwards.

use super::errors::status;
use super::guard::Caller;
use crate::api::ApiError;
use rehearse_db::AuditKind;
use rehearse_interview::prompts::{diff, DEFAULTS, MAX_BODY_CHARS};
use rehearse_types::PromptVersionView;

fn known(name: &str) -> Result<(), ApiError> {
    if DEFAULTS.iter().any(|(n, _)| *n == name) {
        Ok(())
    } else {
        Err(status(ApiError::Invalid("Unknown prompt.".into())))
    }
}

pub async fn list(ctx: &Caller) -> Result<Vec<PromptVersionView>, ApiError> {
    let store = ctx.state.interviews.prompts();
    let mut out = Vec::new();
    for (name, _) in DEFAULTS {
        let versions = store.versions(name).await?;
        for (i, v) in versions.iter().enumerate() {
            let previous = versions.get(i + 1).map(|p| p.body.as_str()).unwrap_or("");
            out.push(PromptVersionView {
                name: v.name.clone(),
                version: v.version,
                body: v.body.clone(),
                created_at: rehearse_db::format_ms(v.created_at),
                created_by: v.created_by.clone(),
                active: v.active,
                diff: diff(previous, &v.body)
                    .into_iter()
                    .map(|(tag, line)| format!("{tag} {line}"))
                    .collect(),
            });
        }
    }
    Ok(out)
}

pub async fn create(ctx: &Caller, name: &str, body: &str) -> Result<i64, ApiError> {
    known(name)?;
    let body = body.trim();
    if body.is_empty() || body.chars().count() > MAX_BODY_CHARS {
        return Err(status(ApiError::Invalid(format!(
            "A prompt needs 1 to {MAX_BODY_CHARS} characters."
        ))));
    }
    let version = ctx
        .state
        .interviews
        .prompts()
        .create(name, body, Some(&ctx.actor.email))
        .await?;
    audit(
        ctx,
        AuditKind::PromptVersionCreated,
        &format!(
            "{name}@{version} saved, inactive ({} characters)",
            body.chars().count()
        ),
    )
    .await?;
    Ok(version)
}

pub async fn activate(ctx: &Caller, name: &str, version: i64) -> Result<(), ApiError> {
    known(name)?;
    let store = ctx.state.interviews.prompts();
    // Read before the change, for the audit detail only: a rollback reads
    // "phrase_question@1 activated, replacing phrase_question@3".
    let before = store.active_version(name).await?;
    match store.activate(name, version, Some(&ctx.actor.email)).await {
        Ok(()) => {}
        Err(rehearse_db::DbError::NotFound) => return Err(status(ApiError::NotFound)),
        Err(e) => return Err(ApiError::from(e)),
    }
    let replaced = match before {
        Some(v) if v == version => " (it already was)".to_owned(),
        Some(v) => format!(", replacing {name}@{v}"),
        None => String::new(),
    };
    audit(
        ctx,
        AuditKind::PromptVersionActivated,
        &format!("{name}@{version} activated{replaced}"),
    )
    .await
}

/// Appends a prompt event by the calling admin. Written after the change, which the prompt
/// store commits on its own; a failure here is reported to the admin as an error.
async fn audit(ctx: &Caller, kind: AuditKind, detail: &str) -> Result<(), ApiError> {
    ctx.audit(kind, detail).await
}
