//! Resolving the caller and applying the access policy, for server functions and routes alike.
//! The decision itself is `rehearse_auth::policy`; this module only finds the inputs.

use super::client_ip::ClientIp;
use super::errors::{internal, status};
use super::session_keys;
use super::state::{app_state, AppState};
use crate::api::ApiError;
use rehearse_auth::{policy, AccessError, Accounts, Actor};
use rehearse_db::DbError;
use rehearse_types::Role;
use std::net::IpAddr;
use tower_sessions::Session;

/// The caller of a server function, after the access check.
pub struct Caller {
    pub state: AppState,
    pub actor: Actor,
    pub ip: Option<IpAddr>,
}

impl Caller {
    /// Appends an audit event done by this caller, from their address.
    pub async fn audit(&self, kind: rehearse_db::AuditKind, detail: &str) -> Result<(), ApiError> {
        let ip = self.ip.map(|ip| ip.to_string());
        let event = rehearse_db::NewAuditEvent {
            actor_user_id: Some(&self.actor.user_id),
            actor_email: Some(&self.actor.email),
            ip: ip.as_deref(),
            detail,
            ..Default::default()
        };
        self.state
            .accounts
            .audit()
            .record(kind, event)
            .await
            .map_err(ApiError::from)
    }
}

/// A caller who may be a visitor.
pub struct MaybeCaller {
    pub state: AppState,
    pub actor: Option<Actor>,
    pub ip: Option<IpAddr>,
}

/// Resolves the session's account. A session naming an account that no longer exists, one
/// begun before the account's sessions were ended (its session epoch has moved on since), or
/// one ended by its owner or past its idle or absolute lifetime (`user_sessions`) is treated as
/// signed out (and cleared of that id).
pub async fn actor_from_session(
    session: &Session,
    accounts: &Accounts,
) -> Result<Option<Actor>, DbError> {
    let user_id: Option<String> = session.get(session_keys::USER_ID).await.unwrap_or_default();
    let Some(user_id) = user_id else {
        return Ok(None);
    };
    // Sessions signed in before epochs existed carry none: they began in epoch 0.
    let epoch: i64 = session
        .get::<i64>(session_keys::SESSION_EPOCH)
        .await
        .unwrap_or_default()
        .unwrap_or(0);
    let actor = accounts
        .actor(&user_id)
        .await?
        .filter(|actor| actor.session_epoch == epoch);
    let actor = match actor {
        Some(actor) => super::user_sessions::still_signed_in(session, accounts, &actor)
            .await?
            .then_some(actor),
        None => None,
    };
    if actor.is_none() {
        let _ = session.remove::<String>(session_keys::USER_ID).await;
        let _ = session.remove::<i64>(session_keys::SESSION_EPOCH).await;
        let _ = session.remove::<String>(session_keys::TRACKING_ID).await;
    }
    Ok(actor)
}

/// Maps a refusal to the error the browser gets, with its status.
pub fn refused(error: AccessError) -> ApiError {
    status(match error {
        AccessError::Unauthenticated => ApiError::Unauthenticated,
        AccessError::Forbidden => ApiError::Forbidden,
    })
}

/// Inside a server function: the caller, whoever they are.
pub async fn optional() -> Result<MaybeCaller, ApiError> {
    let state = app_state()?;
    let session: Session = leptos_axum::extract().await.map_err(internal)?;
    let ClientIp(ip) = leptos_axum::extract().await.map_err(internal)?;
    let actor = actor_from_session(&session, &state.accounts).await?;
    Ok(MaybeCaller { state, actor, ip })
}

/// Inside a server function: the caller, who must hold one of `allowed`.
pub async fn require(allowed: &[Role]) -> Result<Caller, ApiError> {
    let MaybeCaller { state, actor, ip } = optional().await?;
    let actor = policy::require_role(actor.as_ref(), allowed)
        .map_err(refused)?
        .clone();
    Ok(Caller { state, actor, ip })
}
