//! Sign-up, sign-in and sign-out as HTML form posts (they work without JavaScript), plus the
//! OAuth routes. The session id is rotated whenever who is signed in changes.

use super::form_post::FormPost;
use super::negotiate::{failure, safe_next, success};
use app::api::ApiError;
use app::server::client_ip::ClientIp;
use app::server::errors::RouteError;
use app::server::guard::actor_from_session;
use app::server::session_keys;
use app::server::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rehearse_auth::{SignInError, SignUpError};
use rehearse_db::User;
use secrecy::SecretString;
use serde::Deserialize;
use tower_sessions::Session;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/signup", post(sign_up))
        .route("/login", post(sign_in))
        .route("/logout", post(sign_out))
        .route("/oauth/{provider}/start", get(super::oauth::start))
        .route("/oauth/{provider}/callback", get(super::oauth::callback))
        .merge(super::recovery::router())
}

#[derive(Deserialize)]
pub struct SignUpForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: Option<String>,
}

/// Starts a signed-in session for `user` under a fresh session id (no session fixation).
pub(super) async fn establish(session: &Session, user: &User) -> Result<(), RouteError> {
    let failed = |e: tower_sessions::session::Error| RouteError::internal_error(&e);
    session.cycle_id().await.map_err(failed)?;
    session
        .insert(session_keys::USER_ID, &user.id)
        .await
        .map_err(failed)?;
    session
        .insert(session_keys::SESSION_EPOCH, user.session_epoch)
        .await
        .map_err(failed)?;
    Ok(())
}

/// The success response: a redirect for browsers, the account as JSON for API clients.
pub(super) fn signed_in(headers: &HeaderMap, user: &User, next: &str) -> Response {
    let body = serde_json::json!({
        "id": user.id,
        "email": user.email,
        "role": user.role,
        "next": next,
    });
    success(headers, next, Json(body))
}

async fn sign_up(FormPost(state, ip, session, headers, form): FormPost<SignUpForm>) -> Response {
    // A new address and a taken one get the same answer ("check your email") and nobody is
    // signed in: the new account's confirmation link, or the owner's notice, is in the mail.
    let password = SecretString::from(form.password);
    let result = state
        .accounts
        .sign_up(&form.email, &form.name, password.clone(), ip)
        .await;
    let error = match result {
        Ok(_) => {
            state.verification.wake_outbox();
            return super::recovery::check_your_email(&headers);
        }
        Err(SignUpError::Invalid(errors)) => RouteError::Invalid(errors),
        Err(SignUpError::Taken) => {
            return match state
                .verification
                .sign_up_taken(&form.email, password)
                .await
            {
                Ok(()) => super::recovery::check_your_email(&headers),
                Err(e) => RouteError::from(ApiError::from(e)).into_response(),
            };
        }
        Err(e) => RouteError::from(ApiError::from(e)),
    };
    failure(
        &headers,
        &session,
        "/signup",
        "signup",
        &form.email,
        &form.name,
        error,
    )
    .await
}

async fn sign_in(FormPost(state, ip, session, headers, form): FormPost<SignInForm>) -> Response {
    let next = safe_next(form.next.as_deref().filter(|n| !n.is_empty()));
    let result = state
        .accounts
        .sign_in(&form.email, SecretString::from(form.password), ip)
        .await;
    let error = match result {
        Ok(user) => {
            return match establish(&session, &user).await {
                Ok(()) => signed_in(&headers, &user, &next),
                Err(e) => e.into_response(),
            };
        }
        Err(SignInError::Invalid(errors)) => RouteError::Invalid(errors),
        Err(SignInError::WrongCredentials) => {
            RouteError::Unauthorized("Wrong email or password.".into())
        }
        Err(SignInError::Throttled(t)) => RouteError::Throttled(t.retry_after),
        Err(e) => RouteError::from(ApiError::from(e)),
    };
    let back = match form.next.as_deref() {
        Some(n) if !n.is_empty() && safe_next(Some(n)) == n => {
            format!(
                "/login?next={}",
                url::form_urlencoded::byte_serialize(n.as_bytes()).collect::<String>()
            )
        }
        _ => "/login".to_owned(),
    };
    failure(&headers, &session, &back, "login", &form.email, "", error).await
}

async fn sign_out(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    session: Session,
    headers: HeaderMap,
) -> Response {
    match actor_from_session(&session, &state.accounts).await {
        Ok(Some(actor)) => {
            if let Err(e) = state.accounts.record_sign_out(&actor, ip).await {
                return RouteError::from(e).into_response();
            }
        }
        Ok(None) => {}
        Err(e) => return RouteError::from(e).into_response(),
    }
    // Deletes the stored session and expires the cookie: the old id is worthless afterwards.
    if let Err(e) = session.flush().await {
        return RouteError::internal_error(&e).into_response();
    }
    success(&headers, "/", StatusCode::NO_CONTENT)
}
