//! OAuth / OpenID Connect sign-in routes. The flow's secrets (state, nonce, PKCE verifier) live
//! in the server-side session and are taken out at the callback, so a callback URL works once:
//! a replayed or forged callback finds no flow and is refused.
//!
//! Redirect URIs come from the configured public URL (settings validation requires one, `https`
//! except on loopback, whenever a provider is configured), never from a request's Host header.
//! Refused callbacks are audited with a reason code from a fixed set, by which the audit log
//! folds an anonymous loop's repeats (see `rehearse_db::AuditRepo::record_repeat`).

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
use rehearse_db::{AuditKind, NewAuditEvent};
use serde::Deserialize;
use std::net::IpAddr;
use tower_sessions::Session;

/// The redirect URI registered with providers: `<public url>/auth/oauth/<id>/callback`.
///
/// Loaded settings always have a public URL when a provider is configured. Only settings built
/// in code (the tests, on a random port) can lack one; then this machine's own loopback address
/// is used, taken from the Host header only when that names loopback, so no forged Host can
/// choose where a provider sends the authorization code.
fn redirect_uri(
    state: &AppState,
    headers: &HeaderMap,
    provider: &str,
) -> Result<String, RouteError> {
    let base = match &state.settings.public_url {
        Some(url) => url.as_str().trim_end_matches('/').to_owned(),
        None => loopback_base(state, headers).ok_or_else(|| {
            tracing::warn!(
                "OAuth needs REHEARSE_PUBLIC_URL: no redirect URI is built from a non-loopback Host"
            );
            RouteError::BadRequest(
                "Sign-in through a provider is not available at this address.".into(),
            )
        })?,
    };
    Ok(format!("{base}/auth/oauth/{provider}/callback"))
}

/// `http://<loopback host:port>` from the Host header (or the site address when there is
/// none), if and only if it names this machine.
fn loopback_base(state: &AppState, headers: &HeaderMap) -> Option<String> {
    let host = match headers.get(axum::http::header::HOST) {
        Some(value) => value.to_str().ok()?.to_owned(),
        None => state.leptos_options.site_addr.to_string(),
    };
    let url = url::Url::parse(&format!("http://{host}")).ok()?;
    rehearse_settings::is_loopback(&url).then(|| url.origin().ascii_serialization())
}

/// A refused callback: a reason code from a fixed set (the audit log folds repeats by it, so it
/// must never carry request text), the detail kept with the audit row, and what the user sees.
struct Refusal {
    code: &'static str,
    detail: String,
    error: RouteError,
}

impl Refusal {
    fn new(code: &'static str, detail: impl Into<String>, error: RouteError) -> Self {
        Refusal {
            code,
            detail: detail.into(),
            error,
        }
    }

    fn oauth(error: &OAuthError) -> Self {
        let code = match error {
            OAuthError::UnknownProvider => "unknown_provider",
            OAuthError::ProviderUnavailable(_) => "provider_unavailable",
            OAuthError::UnknownState => "unknown_state",
            OAuthError::Expired => "expired",
            OAuthError::Refused(_) => "refused",
            OAuthError::InvalidToken(_) => "invalid_token",
            OAuthError::InsecureIssuer(_) => "insecure_issuer",
        };
        let detail = match error {
            OAuthError::UnknownState => "unknown state".to_owned(),
            other => format!("{other:?}").chars().take(200).collect(),
        };
        Refusal::new(code, detail, route_error(error))
    }
}

/// Writes the refusal to the audit log. The provider segment of the URL is the caller's
/// choice, so it is named only when it is a configured provider.
async fn record_refusal(state: &AppState, provider: &str, refusal: &Refusal, ip: Option<IpAddr>) {
    let provider = if state.oauth.is_configured(provider) {
        provider
    } else {
        "(unknown provider)"
    };
    let ip = ip.map(|i| i.to_string());
    let detail = format!("{provider}: {}", refusal.detail);
    let event = NewAuditEvent {
        ip: ip.as_deref(),
        detail: &detail,
        ..Default::default()
    };
    if let Err(e) = state
        .accounts
        .audit()
        .record_repeat(AuditKind::OAuthFailed, refusal.code, event)
        .await
    {
        tracing::error!(error = %e, "could not record a failed OAuth sign-in");
    }
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
        OAuthError::InsecureIssuer(_) => RouteError::internal_error(error),
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
    let started = match redirect_uri(&state, &headers, &provider) {
        Ok(redirect) => state
            .oauth
            .start(&provider, &redirect, rehearse_db::now_ms())
            .await
            .map_err(|e| {
                tracing::warn!(provider = %provider, error = ?e, "could not start an OAuth flow");
                route_error(&e)
            }),
        Err(e) => Err(e),
    };
    match started {
        Ok((url, pending)) => match session.insert(session_keys::OAUTH_FLOW, pending).await {
            Ok(()) => Redirect::to(&url).into_response(),
            Err(e) => RouteError::internal_error(&e).into_response(),
        },
        Err(error) => failure(&headers, &session, "/login", "login", "", "", error).await,
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
        Err(refusal) => {
            record_refusal(&state, &provider, &refusal, ip).await;
            if wants_html(&headers) {
                failure(&headers, &session, "/login", "login", "", "", refusal.error).await
            } else {
                refusal.error.into_response()
            }
        }
    }
}

/// The callback's work; the error carries the reason for the audit log and what the user sees.
async fn finish(
    state: &AppState,
    provider: &str,
    query: CallbackQuery,
    ip: Option<IpAddr>,
    session: &Session,
    headers: &HeaderMap,
) -> Result<rehearse_db::User, Refusal> {
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
        return Err(Refusal::new(
            "provider_error",
            format!("provider error {error}"),
            RouteError::Unauthorized("The sign-in provider did not sign you in.".into()),
        ));
    }
    let (Some(code), Some(returned_state)) = (query.code, query.state) else {
        return Err(Refusal::new(
            "incomplete",
            "missing code or state",
            RouteError::BadRequest("The sign-in link is incomplete; start again.".into()),
        ));
    };
    let Some(pending) = pending.filter(|p| p.provider == provider) else {
        return Err(Refusal::oauth(&OAuthError::UnknownState));
    };
    let redirect = redirect_uri(state, headers, provider)
        .map_err(|error| Refusal::new("no_public_url", "no public URL configured", error))?;
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
            Refusal::oauth(&e)
        })?;
    state
        .accounts
        .sign_in_external(identity, ip)
        .await
        .map_err(|e| match e {
            ExternalSignInError::NoEmail => Refusal::new(
                "no_email",
                "no email",
                RouteError::Forbidden(
                    "Your account at the provider has no email address to sign in with.".into(),
                ),
            ),
            ExternalSignInError::UnverifiedEmail => Refusal::new(
                "unverified_email",
                "unverified email",
                RouteError::Forbidden(
                    "Verify your email address with the provider, then try again.".into(),
                ),
            ),
            ExternalSignInError::StaffAccount => Refusal::new(
                "staff_account",
                "staff account not linked automatically",
                RouteError::Forbidden(
                    "This email address belongs to a staff account, which is not linked to \
                     sign-in providers automatically. Sign in with your email and password."
                        .into(),
                ),
            ),
            ExternalSignInError::Db(e) => Refusal::new("database", "database", RouteError::from(e)),
        })
}
