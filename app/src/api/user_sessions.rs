//! The signed-in person's own sessions (`/account/sessions`): list them, end one, end all but
//! this one. Any signed-in role may call these, and each acts only on the caller's sessions.

use super::ApiError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One signed-in session, as its owner sees it. Times are UTC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    /// The session's tracking id (not its cookie): what ending it names.
    pub id: String,
    /// "Firefox on Linux".
    pub device: String,
    /// The user agent as the browser sent it.
    pub user_agent: String,
    /// The network it signed in from: a /24 or /48, never the full address.
    pub network: String,
    pub created_at: String,
    pub last_seen_at: String,
    /// When it ends by itself (idle or absolute lifetime, whichever comes first).
    pub ends_at: String,
    /// The session making this request.
    pub this_device: bool,
}

/// The caller's live sessions, most recently used first.
#[server(endpoint = "list_my_sessions")]
pub async fn list_my_sessions() -> Result<Vec<SessionView>, ApiError> {
    let ctx = crate::server::guard::require(rehearse_auth::policy::ANY_ROLE).await?;
    crate::server::user_sessions::list(&ctx).await
}

/// Ends one of the caller's sessions: that browser is signed out at its next request.
#[server(endpoint = "revoke_session")]
pub async fn revoke_session(id: String) -> Result<(), ApiError> {
    let ctx = crate::server::guard::require(rehearse_auth::policy::ANY_ROLE).await?;
    crate::server::user_sessions::revoke(&ctx, &id).await
}

/// Ends every session of the caller's except this one; returns how many were ended.
#[server(endpoint = "revoke_other_sessions")]
pub async fn revoke_other_sessions() -> Result<u64, ApiError> {
    let ctx = crate::server::guard::require(rehearse_auth::policy::ANY_ROLE).await?;
    crate::server::user_sessions::revoke_others(&ctx).await
}
