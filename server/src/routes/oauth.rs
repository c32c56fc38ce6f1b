//! OAuth / OpenID Connect sign-in routes. The flow's secrets (state, nonce, PKCE verifier) live
//! in the server-side session and are taken out at the callback, so a callback URL works once:
//! a replayed or forged callback finds no flow and is refused.

use super::auth::{establish, signed_in};
use super::negotiate::{failure, wants_html};
use app::server::client_ip::ClientIp;
use app::server::errors::RouteError;
use app::server::session_keys;
use app::server::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use rehearse_auth::oauth::{OAuthError, PendingFlow};
use rehearse_auth::ExternalSignInError;
use serde::Deserialize;
use tower_sessions::Session;

fn redirect_uri(state: &AppState, headers: &HeaderMap, provider: &str) -> String {
    let base = match &state.settings.public_url {
        Some(url) => url.as_str().trim_end_matches('/').to_owned(),
        None => {
            let host = headers
                .get(axum::http::header::HOST)
                .and_then(|h| h.to_str().ok())
                .map(str::to_owned)
                .unwrap_or_else(|| state.leptos_options.site_addr.to_string());
            format!("http://{host}")
        }
    };
    format!("{base}/auth/oauth/{provider}/callback")
}

fn route_error(error: &OAuthError) -> RouteError {
    match error {
        OAuthError::UnknownProvider => RouteError::NotFound(error.to_string()),
        OAuthError::UnknownState | OAuthError::Expired => {
            RouteError::BadRequest(capitalised(error))
        }
        OAuthError::Refused(_) | OAuthError::InvalidToken(_) => {
            RouteError::Unauthorized(capitalised(error))
        }
        OAuthError::ProviderUnavailable(_) => RouteError::Upstream(capitalised(error)),
    }
}

fn capitalised(error: &OAuthError) -> String {
    let text = error.to_string();
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => text,
    }
}

pub async fn start(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    session: Session,
    headers: HeaderMap,
) -> Response {
    let redirect = redirect_uri(&state, &headers, &provider);
    match state
        .oauth
        .start(&provider, &redirect, rehearse_db::now_ms())
        .await
    {
        Ok((url, pending)) => match session.insert(session_keys::OAUTH_FLOW, pending).await {
            Ok(()) => Redirect::to(&url).into_response(),
            Err(e) => RouteError::internal(e).into_response(),
        },
        Err(e) => {
            tracing::warn!(provider = %provider, error = ?e, "could not start an OAuth flow");
            failure(
                &headers,
                &session,
                "/login",
                "login",
                "",
                "",
                route_error(&e),
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

pub async fn callback(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    Query(query): Query<CallbackQuery>,
    ClientIp(ip): ClientIp,
    session: Session,
    headers: HeaderMap,
) -> Response {
    let outcome = finish(&state, &provider, query, ip, &session, &headers).await;
    match outcome {
        Ok(user) => match establish(&session, &user).await {
            Ok(()) => signed_in(&headers, &user, "/home"),
            Err(e) => e.into_response(),
        },
        Err((reason, error)) => {
            if let Err(e) = state
                .accounts
                .record_external_failure(&provider, &reason, ip)
                .await
            {
                tracing::error!(error = %e, "could not record a failed OAuth sign-in");
            }
            if wants_html(&headers) {
                failure(&headers, &session, "/login", "login", "", "", error).await
            } else {
                error.into_response()
            }
        }
    }
}

/// The callback's work; the error carries the reason for the audit log and what the user sees.
async fn finish(
    state: &AppState,
    provider: &str,
    query: CallbackQuery,
    ip: Option<std::net::IpAddr>,
    session: &Session,
    headers: &HeaderMap,
) -> Result<rehearse_db::User, (String, RouteError)> {
    // Taken, not read: whatever happens next, this flow cannot be completed twice.
    let pending: Option<PendingFlow> = session
        .remove(session_keys::OAUTH_FLOW)
        .await
        .unwrap_or_default();
    if let Some(error) = query.error {
        let error: String = error
            .chars()
            .filter(|c| c.is_ascii_graphic())
            .take(64)
            .collect();
        return Err((
            format!("provider error {error}"),
            RouteError::Unauthorized("The sign-in provider did not sign you in.".into()),
        ));
    }
    let (Some(code), Some(returned_state)) = (query.code, query.state) else {
        return Err((
            "missing code or state".into(),
            RouteError::BadRequest("The sign-in link is incomplete; start again.".into()),
        ));
    };
    let Some(pending) = pending.filter(|p| p.provider == provider) else {
        let e = OAuthError::UnknownState;
        return Err(("unknown state".into(), route_error(&e)));
    };
    let redirect = redirect_uri(state, headers, provider);
    let identity = state
        .oauth
        .finish(
            pending,
            &returned_state,
            &code,
            &redirect,
            rehearse_db::now_ms(),
        )
        .await
        .map_err(|e| {
            tracing::warn!(provider = %provider, error = ?e, "OAuth callback refused");
            (
                format!("{e:?}").chars().take(200).collect::<String>(),
                route_error(&e),
            )
        })?;
    state
        .accounts
        .sign_in_external(identity, ip)
        .await
        .map_err(|e| match e {
            ExternalSignInError::NoEmail => (
                "no email".to_owned(),
                RouteError::Forbidden(
                    "Your account at the provider has no email address to sign in with.".into(),
                ),
            ),
            ExternalSignInError::UnverifiedEmail => (
                "unverified email".to_owned(),
                RouteError::Forbidden(
                    "Verify your email address with the provider, then try again.".into(),
                ),
            ),
            ExternalSignInError::StaffAccount => (
                "staff account not linked automatically".to_owned(),
                RouteError::Forbidden(
                    "This email address belongs to a staff account, which is not linked to \
                     sign-in providers automatically. Sign in with your email and password."
                        .into(),
                ),
            ),
            ExternalSignInError::Db(e) => ("database".to_owned(), RouteError::internal(e)),
        })
}
