//! Prompt administration behind the server functions.

use super::errors::{internal, status};
use super::guard::Caller;
use crate::api::ApiError;
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
        let versions = store.versions(name).await.map_err(internal)?;
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
    ctx.state
        .interviews
        .prompts()
        .create(name, body, Some(&ctx.actor.email))
        .await
        .map_err(internal)
}

pub async fn activate(ctx: &Caller, name: &str, version: i64) -> Result<(), ApiError> {
    known(name)?;
    match ctx
        .state
        .interviews
        .prompts()
        .activate(name, version, Some(&ctx.actor.email))
        .await
    {
        Ok(()) => Ok(()),
        Err(rehearse_db::DbError::NotFound) => Err(status(ApiError::NotFound)),
        Err(e) => Err(internal(e)),
    }
}
