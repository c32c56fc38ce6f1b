//! The caller's own data (`/account/data`): download all of it, or delete the account with it.
//! Any signed-in role may call these; each acts only on the caller.

use super::ApiError;
use leptos::prelude::*;
use rehearse_types::DataExport;

/// Everything the platform keeps about the caller, as one JSON document. A GET, so "Download
/// my data" is a plain link that works without JavaScript; the answer asks to be saved as a
/// file.
#[server(endpoint = "export_my_data", input = leptos::server_fn::codec::GetUrl)]
pub async fn export_my_data() -> Result<DataExport, ApiError> {
    let ctx = crate::server::guard::require(rehearse_auth::policy::ANY_ROLE).await?;
    crate::server::account_data::export(&ctx).await
}

/// Deletes the caller's account with their interviews, messages, reports and traces, confirmed
/// by their current password (an account that has none types its email address). Signs them
/// out and sends them to the front page.
#[server(endpoint = "delete_my_account")]
pub async fn delete_my_account(password: String) -> Result<(), ApiError> {
    let ctx = crate::server::guard::require(rehearse_auth::policy::ANY_ROLE).await?;
    crate::server::account_data::delete(&ctx, &password).await?;
    leptos_axum::redirect("/");
    Ok(())
}
