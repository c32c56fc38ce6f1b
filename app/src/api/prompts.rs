use super::ApiError;
use leptos::prelude::*;
use rehearse_types::PromptVersionView;

/// Every version of every prompt, newest first, with its diff against the previous (admins).
#[server(endpoint = "list_prompts")]
pub async fn list_prompts() -> Result<Vec<PromptVersionView>, ApiError> {
    let ctx = crate::server::guard::require(rehearse_auth::policy::ADMIN).await?;
    crate::server::prompts::list(&ctx).await
}

/// Adds a version of a prompt; it is not used until activated (admins).
#[server(endpoint = "create_prompt_version")]
pub async fn create_prompt_version(name: String, body: String) -> Result<i64, ApiError> {
    let ctx = crate::server::guard::require(rehearse_auth::policy::ADMIN).await?;
    crate::server::prompts::create(&ctx, &name, &body).await
}

/// Makes a version the one new interviews pin; activating an older one rolls back (admins).
#[server(endpoint = "activate_prompt_version")]
pub async fn activate_prompt_version(name: String, version: i64) -> Result<(), ApiError> {
    let ctx = crate::server::guard::require(rehearse_auth::policy::ADMIN).await?;
    crate::server::prompts::activate(&ctx, &name, version).await
}
