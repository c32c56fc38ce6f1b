use super::ApiError;
use leptos::prelude::*;
use rehearse_types::{CurrentUser, FormFlash, OAuthProviderView};

/// The signed-in user, or None for visitors.
#[server(endpoint = "whoami")]
pub async fn whoami() -> Result<Option<CurrentUser>, ApiError> {
    let ctx = crate::server::guard::optional().await?;
    Ok(ctx.actor.map(|a| a.view()))
}

/// Takes (and so clears) the errors of the last failed submission of `form`, if any.
#[server(endpoint = "take_form_flash")]
pub async fn take_form_flash(form: String) -> Result<Option<FormFlash>, ApiError> {
    crate::server::flash::take(&form).await
}

/// The OAuth / OpenID Connect providers to offer on the sign-in page.
#[server(endpoint = "oauth_providers")]
pub async fn oauth_providers() -> Result<Vec<OAuthProviderView>, ApiError> {
    let state = crate::server::state::app_state()?;
    Ok(state
        .oauth
        .list()
        .into_iter()
        .map(|(id, label)| OAuthProviderView { id, label })
        .collect())
}
