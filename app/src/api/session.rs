use super::ApiError;
use leptos::prelude::*;
use rehearse_types::{CurrentUser, FormFlash, OAuthProviderView};

/// The signed-in user, or None for visitors.
#[server(endpoint = "whoami")]
pub async fn whoami() -> Result<Option<CurrentUser>, ApiError> {
    let ctx = crate::server::guard::optional().await?;
    let Some(actor) = ctx.actor else {
        return Ok(None);
    };
    let mut user = actor.view();
    if rehearse_auth::policy::require_role(Some(&actor), rehearse_auth::policy::STAFF).is_ok() {
        user.review_queue = Some(ctx.state.interviews.reviews().pending_count().await?);
    }
    Ok(Some(user))
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
