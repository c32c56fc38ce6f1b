//! Signed-in sessions as their owner sees them (`/account/sessions`), and the bookkeeping that
//! keeps each session's row in `user_sessions` (`rehearse_auth::user_sessions`) in step with
//! the session itself:
//!
//! - [`track_sign_ins`], around every `/auth/*` request, records a row when someone signs in
//!   (sign-up, password, OAuth callback) with the browser's user agent and coarse network, and
//!   ends the row when they sign out or another sign-in replaces the session;
//! - [`still_signed_in`], asked by `guard::actor_from_session` on every signed-in request,
//!   refuses a session whose row was ended or whose lifetime is over. A signed-in session
//!   without a row (one signed in before rows existed, or by a path that does not pass
//!   `/auth/*`) gets one then, its lifetime counted from that moment.

use super::client_ip::ClientIp;
use super::errors::{internal, status};
use super::guard::{refused, Caller};
use super::session_keys;
use super::state::AppState;
use crate::api::{ApiError, SessionView};
use axum::extract::{Request, State};
use axum::http::header::USER_AGENT;
use axum::middleware::Next;
use axum::response::Response;
use rehearse_auth::{policy, Accounts, Actor};
use rehearse_db::{format_ms, AuditKind, DbError, NewAuditEvent};
use tower_sessions::Session;

/// Whether `actor`'s session (already checked against the account's session epoch) still
/// signs them in: its row exists, is theirs and is within the idle and absolute lifetimes.
pub async fn still_signed_in(
    session: &Session,
    accounts: &Accounts,
    actor: &Actor,
) -> Result<bool, DbError> {
    let tracking: Option<String> = session
        .get(session_keys::TRACKING_ID)
        .await
        .unwrap_or_default();
    match tracking {
        Some(id) => accounts.sessions().check(&id, actor).await,
        None => {
            let id = accounts
                .sessions()
                .begin(&actor.user_id, actor.session_epoch, "", None)
                .await?;
            if let Err(e) = session.insert(session_keys::TRACKING_ID, &id).await {
                tracing::warn!(error = %e, "could not keep a session's tracking id");
            }
            Ok(true)
        }
    }
}

/// Middleware: records sign-ins and sign-outs made by the `/auth/*` routes in
/// `user_sessions`. It compares who the session signs in before and after the request; a
/// change, or a renewed session id (sign-in rotates it, sign-out drops it), ends the old row
/// and, if someone is signed in now, begins a new one.
pub async fn track_sign_ins(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    request: Request,
    next: Next,
) -> Response {
    let on_auth_route = request.uri().path().starts_with("/auth/");
    let session = request.extensions().get::<Session>().cloned();
    let Some(session) = session.filter(|_| on_auth_route) else {
        return next.run(request).await;
    };
    let user_agent = request
        .headers()
        .get(USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let sessions = state.accounts.sessions();
    let before_user: Option<String> = session.get(session_keys::USER_ID).await.unwrap_or_default();
    let mut before_tracking: Option<String> = session
        .get(session_keys::TRACKING_ID)
        .await
        .unwrap_or_default();
    if let (Some(user_id), true) = (&before_user, before_tracking.is_none()) {
        // Signed in but not yet recorded: record it now, so signing out here ends its row.
        let epoch = session_epoch(&session).await;
        match sessions.begin(user_id, epoch, &user_agent, ip).await {
            Ok(id) => {
                if session.insert(session_keys::TRACKING_ID, &id).await.is_ok() {
                    before_tracking = Some(id);
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not record a signed-in session"),
        }
    }
    let had_id = session.id().is_some();

    let response = next.run(request).await;

    let after_user: Option<String> = session.get(session_keys::USER_ID).await.unwrap_or_default();
    // `cycle_id` (at sign-in) and `flush` (at sign-out) leave the session without an id until
    // the session layer saves it, after this middleware.
    let renewed = had_id && session.id().is_none();
    if after_user == before_user && !renewed {
        return response;
    }
    if let Some(old) = before_tracking {
        if let Err(e) = sessions.end(&old).await {
            tracing::warn!(error = %e, "could not end a replaced session's record");
        }
    }
    if let Some(user_id) = after_user {
        let epoch = session_epoch(&session).await;
        match sessions.begin(&user_id, epoch, &user_agent, ip).await {
            Ok(id) => {
                if let Err(e) = session.insert(session_keys::TRACKING_ID, &id).await {
                    tracing::warn!(error = %e, "could not keep a session's tracking id");
                }
            }
            Err(e) => {
                // Without a tracking id the next request records the session instead.
                tracing::warn!(error = %e, "could not record a signed-in session");
                let _ = session.remove::<String>(session_keys::TRACKING_ID).await;
            }
        }
    }
    response
}

async fn session_epoch(session: &Session) -> i64 {
    session
        .get::<i64>(session_keys::SESSION_EPOCH)
        .await
        .unwrap_or_default()
        .unwrap_or(0)
}

/// The tracking id of the caller's own session.
async fn current_tracking_id() -> Result<Option<String>, ApiError> {
    let session: Session = leptos_axum::extract().await.map_err(internal)?;
    Ok(session
        .get(session_keys::TRACKING_ID)
        .await
        .unwrap_or_default())
}

/// The caller's live sessions, most recently used first.
pub async fn list(ctx: &Caller) -> Result<Vec<SessionView>, ApiError> {
    let current = current_tracking_id().await?;
    let sessions = ctx.state.accounts.sessions();
    let lifetimes = sessions.lifetimes();
    let role = ctx.actor.role;
    let rows = sessions
        .list(&ctx.actor.user_id, ctx.actor.session_epoch, role)
        .await?;
    Ok(rows
        .into_iter()
        .map(|s| SessionView {
            this_device: current.as_deref() == Some(s.id.as_str()),
            device: describe_device(&s.user_agent),
            network: if s.network.is_empty() {
                "unknown".to_owned()
            } else {
                s.network
            },
            created_at: format_ms(s.created_at),
            last_seen_at: format_ms(s.last_seen_at),
            ends_at: format_ms(lifetimes.ends_at(role, s.created_at, s.last_seen_at)),
            user_agent: s.user_agent,
            id: s.id,
        })
        .collect())
}

/// Ends one of the caller's sessions; the browser holding it is signed out at its next
/// request. Someone else's session is refused by the policy like any other owned data.
pub async fn revoke(ctx: &Caller, id: &str) -> Result<(), ApiError> {
    let sessions = ctx.state.accounts.sessions();
    let target = sessions
        .get(id)
        .await?
        .ok_or_else(|| status(ApiError::NotFound))?;
    policy::require_owner_or(Some(&ctx.actor), &target.user_id, &[]).map_err(refused)?;
    sessions.end(&target.id).await?;
    let detail = format!(
        "ended a session: {}, {}, signed in {}",
        describe_device(&target.user_agent),
        if target.network.is_empty() {
            "network unknown"
        } else {
            target.network.as_str()
        },
        format_ms(target.created_at)
    );
    audit(ctx, &detail).await
}

/// Ends every session of the caller's but the one making this request; returns how many.
pub async fn revoke_others(ctx: &Caller) -> Result<u64, ApiError> {
    // `guard::require` has just recorded the caller's session if it had no row yet.
    let current = current_tracking_id().await?.ok_or_else(|| {
        status(ApiError::Conflict(
            "This session is not recorded yet. Reload the page and try again.".into(),
        ))
    })?;
    let ended = ctx
        .state
        .accounts
        .sessions()
        .end_others(&ctx.actor.user_id, &current)
        .await?;
    audit(
        ctx,
        &format!("signed out everywhere else ({ended} sessions)"),
    )
    .await?;
    Ok(ended)
}

async fn audit(ctx: &Caller, detail: &str) -> Result<(), ApiError> {
    let ip = ctx.ip.map(|i| i.to_string());
    ctx.state
        .accounts
        .audit()
        .record(
            AuditKind::SignOut,
            NewAuditEvent::by_self(&ctx.actor.user_id, &ctx.actor.email, ip.as_deref(), detail),
        )
        .await
        .map_err(ApiError::from)
}

/// "Firefox on Linux", "Safari on iPhone": enough for a person to recognise their browser.
/// The full user agent is kept beside it.
pub fn describe_device(user_agent: &str) -> String {
    let ua = user_agent.trim();
    if ua.is_empty() {
        return "Unknown browser".to_owned();
    }
    let browser = if ua.contains("Edg/") {
        "Edge"
    } else if ua.contains("OPR/") || ua.contains("Opera") {
        "Opera"
    } else if ua.contains("Firefox/") || ua.contains("FxiOS/") {
        "Firefox"
    } else if ua.contains("Chrome/") || ua.contains("CriOS/") || ua.contains("Chromium/") {
        "Chrome"
    } else if ua.contains("Safari/") {
        "Safari"
    } else {
        // A tool such as curl: its product name.
        let product = ua.split(['/', ' ']).next().unwrap_or(ua);
        return product.chars().take(40).collect();
    };
    let os = if ua.contains("iPhone") {
        "iPhone"
    } else if ua.contains("iPad") {
        "iPad"
    } else if ua.contains("Android") {
        "Android"
    } else if ua.contains("Windows") {
        "Windows"
    } else if ua.contains("CrOS") {
        "ChromeOS"
    } else if ua.contains("Mac OS X") || ua.contains("Macintosh") {
        "macOS"
    } else if ua.contains("Linux") {
        "Linux"
    } else {
        return browser.to_owned();
    };
    format!("{browser} on {os}")
}

#[cfg(test)]
mod tests {
    use super::describe_device;

    #[test]
    fn devices_are_named_for_people() {
        let cases = [
            (
                "Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0",
                "Firefox on Linux",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.0.0 Safari/537.36 Edg/128.0.0.0",
                "Edge on Windows",
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
                "Safari on iPhone",
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.0.0 Mobile Safari/537.36",
                "Chrome on Android",
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
                "Safari on macOS",
            ),
            ("curl/8.5.0", "curl"),
            ("", "Unknown browser"),
        ];
        for (ua, expected) in cases {
            assert_eq!(describe_device(ua), expected, "{ua}");
        }
    }
}
