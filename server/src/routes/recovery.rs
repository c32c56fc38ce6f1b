//! Confirming an address, resetting a forgotten password, changing a password, and asking for a
//! new confirmation link: plain HTML forms posting here (they work without JavaScript), with
//! JSON for API clients, like the sign-in routes beside them. The flows themselves are
//! `rehearse_auth::verify`; signed-in routes check the caller with the shared policy.

use super::form_post::FormPost;
use super::negotiate::{failure, success};
use app::api::ApiError;
use app::server::errors::RouteError;
use app::server::guard::actor_from_session;
use app::server::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Form, Json, Router};
use rehearse_auth::verify::{ChangePasswordError, ConfirmError, ResetError, BAD_LINK};
use rehearse_auth::{policy, Actor};
use secrecy::SecretString;
use serde::Deserialize;
use tower_sessions::Session;

/// What a sign-up answers, whether or not the address already had an account.
pub const CHECK_EMAIL: &str = "Check your email. If this address is new to us, we sent a link \
     to confirm it; if it already has an account, we told its owner instead.";
/// What a password-reset request answers, whether or not the address has an account.
pub const RESET_SENT: &str =
    "If an account uses this address, we sent it a link to choose a new password.";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/verify", post(confirm_email))
        .route("/verify/resend", post(resend_confirmation))
        .route("/forgot", post(forgot_password))
        .route("/reset", post(reset_password))
        .route("/password", post(change_password))
}

#[derive(Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
}

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    email: String,
}

#[derive(Deserialize)]
pub struct ChangePasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

/// The sign-up answer for a new address and a taken one alike: the same page, or 202 with the
/// same body. Nobody is signed in by it.
pub(super) fn check_your_email(headers: &HeaderMap) -> Response {
    let body = serde_json::json!({ "status": "check_email", "message": CHECK_EMAIL });
    success(headers, "/check-email", (StatusCode::ACCEPTED, Json(body)))
}

/// A page that carries the link's secret in its query, to go back to after a failed form.
fn link_page(page: &str, token: &str) -> String {
    if rehearse_auth::links::well_formed(token) {
        format!("{page}?token={token}")
    } else {
        page.to_owned()
    }
}

/// The signed-in caller, through the shared policy; None for a visitor.
async fn signed_in(state: &AppState, session: &Session) -> Result<Option<Actor>, RouteError> {
    let actor = actor_from_session(session, &state.accounts).await?;
    Ok(policy::require_role(actor.as_ref(), policy::ANY_ROLE)
        .ok()
        .cloned())
}

/// The link in the confirmation mail, with the account's password (or a session of it). Signs
/// the browser in to the confirmed account.
async fn confirm_email(
    FormPost(state, ip, session, headers, form): FormPost<LinkForm>,
) -> Response {
    let caller = match signed_in(&state, &session).await {
        Ok(caller) => caller,
        Err(e) => return e.into_response(),
    };
    let caller_id = caller.as_ref().map(|a| a.user_id.as_str());
    let result = state
        .verification
        .confirm_email(
            &form.token,
            caller_id,
            SecretString::from(form.password),
            ip,
        )
        .await;
    let error = match result {
        Ok(user) => {
            if caller_id != Some(user.id.as_str()) {
                if let Err(e) = super::auth::establish(&session, &user).await {
                    return e.into_response();
                }
            }
            let body = serde_json::json!({
                "id": user.id,
                "email": user.email,
                "role": user.role,
                "email_verified": true,
            });
            return success(&headers, "/home?confirmed=1", Json(body));
        }
        Err(ConfirmError::BadLink) => RouteError::BadRequest(BAD_LINK.into()),
        Err(ConfirmError::WrongPassword) => RouteError::Unauthorized("Wrong password.".into()),
        Err(e) => RouteError::from(ApiError::from(e)),
    };
    let page = link_page("/verify-email", &form.token);
    failure(&headers, &session, &page, "verify", "", "", error).await
}

/// A signed-in account whose address is not confirmed asks for a new link.
async fn resend_confirmation(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
) -> Response {
    let actor = match signed_in(&state, &session).await {
        Ok(Some(actor)) => actor,
        Ok(None) => return RouteError::Unauthorized("Sign in to continue.".into()).into_response(),
        Err(e) => return e.into_response(),
    };
    if let Err(e) = state.verification.resend_confirmation(&actor).await {
        return RouteError::from(e).into_response();
    }
    let body = serde_json::json!({ "status": "check_email" });
    success(
        &headers,
        "/account/password?resent=1",
        (StatusCode::ACCEPTED, Json(body)),
    )
}

/// "Forgot your password?": the same answer for every well-formed address.
async fn forgot_password(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Form(form): Form<ForgotForm>,
) -> Response {
    let error = match state.verification.request_reset(&form.email).await {
        Ok(()) => {
            let body = serde_json::json!({ "status": "check_email", "message": RESET_SENT });
            return success(
                &headers,
                "/forgot-password?sent=1",
                (StatusCode::ACCEPTED, Json(body)),
            );
        }
        Err(ResetError::Invalid(errors)) => RouteError::Invalid(errors),
        Err(e) => RouteError::from(ApiError::from(e)),
    };
    failure(
        &headers,
        &session,
        "/forgot-password",
        "forgot",
        &form.email,
        "",
        error,
    )
    .await
}

/// The link in the reset mail, with the new password. Ends every session of the account, this
/// browser's included: the person signs in again with the new password.
async fn reset_password(
    FormPost(state, ip, session, headers, form): FormPost<LinkForm>,
) -> Response {
    let result = state
        .verification
        .reset_password(&form.token, SecretString::from(form.password), ip)
        .await;
    let error = match result {
        Ok(_) => {
            let body = serde_json::json!({ "status": "password_reset" });
            return success(&headers, "/login?reset=1", Json(body));
        }
        Err(ResetError::BadLink) => RouteError::BadRequest(BAD_LINK.into()),
        Err(ResetError::Invalid(errors)) => RouteError::Invalid(errors),
        Err(e) => RouteError::from(ApiError::from(e)),
    };
    let page = link_page("/reset-password", &form.token);
    failure(&headers, &session, &page, "reset", "", "", error).await
}

/// A signed-in user changes their password. Every other session of the account ends; this one
/// goes on under a new id.
async fn change_password(
    FormPost(state, ip, session, headers, form): FormPost<ChangePasswordForm>,
) -> Response {
    let error = match signed_in(&state, &session).await {
        Ok(Some(actor)) => {
            let result = state
                .verification
                .change_password(
                    &actor,
                    SecretString::from(form.current_password),
                    SecretString::from(form.new_password),
                    ip,
                )
                .await;
            match result {
                Ok(_epoch) => return keep_this_session(&state, &session, &headers, &actor).await,
                Err(ChangePasswordError::Invalid(errors)) => RouteError::Invalid(errors),
                Err(ChangePasswordError::Throttled(t)) => RouteError::Throttled(t.retry_after),
                Err(e) => RouteError::from(ApiError::from(e)),
            }
        }
        Ok(None) => RouteError::Unauthorized("Sign in to continue.".into()),
        Err(e) => e,
    };
    failure(
        &headers,
        &session,
        "/account/password",
        "password",
        "",
        "",
        error,
    )
    .await
}

/// After a password change raised the account's session epoch: signs this browser in again,
/// under a fresh id, in the new epoch (every other session stays ended).
async fn keep_this_session(
    state: &AppState,
    session: &Session,
    headers: &HeaderMap,
    actor: &Actor,
) -> Response {
    let user = match state.accounts.users().by_id(&actor.user_id).await {
        Ok(Some(user)) => user,
        Ok(None) => return RouteError::Unauthorized("Sign in to continue.".into()).into_response(),
        Err(e) => return RouteError::from(e).into_response(),
    };
    if let Err(e) = super::auth::establish(session, &user).await {
        return e.into_response();
    }
    let body = serde_json::json!({ "status": "password_changed" });
    success(headers, "/account/password?changed=1", Json(body))
}
