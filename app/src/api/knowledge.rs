use super::ApiError;
use leptos::prelude::*;
use rehearse_types::{JdDetailView, JdSummaryView, TryQuestionView};

/// Job descriptions with their newest version's state (admins).
#[server(endpoint = "list_jds")]
pub async fn list_jds() -> Result<Vec<JdSummaryView>, ApiError> {
    let ctx = crate::server::guard::require(rehearse_auth::policy::ADMIN).await?;
    crate::server::knowledge::list(&ctx).await
}

/// One job description: its versions, and one version's text and chunks (admins).
#[server(endpoint = "jd_detail")]
pub async fn jd_detail(id: String, version: Option<String>) -> Result<JdDetailView, ApiError> {
    let ctx = crate::server::guard::require(rehearse_auth::policy::ADMIN).await?;
    crate::server::knowledge::detail(&ctx, &id, version.as_deref()).await
}

/// Adds a job description from pasted text, or a new version of `jd_id` (admins). Files go
/// through `POST /admin/jds/upload`.
#[server(endpoint = "add_jd")]
pub async fn add_jd(jd_id: Option<String>, text: String) -> Result<String, ApiError> {
    let ctx = crate::server::guard::require(rehearse_auth::policy::ADMIN).await?;
    let jd_id = jd_id.filter(|j| !j.is_empty());
    let added = crate::server::knowledge::add(&ctx, jd_id.as_deref(), Some(&text), None).await?;
    Ok(added.jd.id)
}

/// What retrieval finds for a question in one version, every score shown (admins).
#[server(endpoint = "try_question")]
pub async fn try_question(
    version_id: String,
    question: String,
) -> Result<TryQuestionView, ApiError> {
    let ctx = crate::server::guard::require(rehearse_auth::policy::ADMIN).await?;
    crate::server::knowledge::try_question(&ctx, &version_id, &question).await
}

/// Queues a failed version for another ingestion attempt (admins).
#[server(endpoint = "retry_ingestion")]
pub async fn retry_ingestion(version_id: String) -> Result<(), ApiError> {
    let ctx = crate::server::guard::require(rehearse_auth::policy::ADMIN).await?;
    crate::server::knowledge::retry(&ctx, &version_id).await
}

/// Saves edited requirements (one per line; edit, merge or drop) as a new version of the
/// job description; returns the new version's number (admins).
#[server(endpoint = "edit_requirements")]
pub async fn edit_requirements(version_id: String, requirements: String) -> Result<i64, ApiError> {
    let ctx = crate::server::guard::require(rehearse_auth::policy::ADMIN).await?;
    crate::server::knowledge::edit_requirements(&ctx, &version_id, &requirements).await
}

/// Deletes a job description and every chunk of it (admins).
#[server(endpoint = "delete_jd")]
pub async fn delete_jd(id: String) -> Result<(), ApiError> {
    let ctx = crate::server::guard::require(rehearse_auth::policy::ADMIN).await?;
    crate::server::knowledge::delete(&ctx, &id).await
}
