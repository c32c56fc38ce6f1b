//! The one place server-function errors get their HTTP status and internal causes get logged.
//!
//! Domain crates describe failures for logs, never for people; this module turns them into
//! what a person sees. An internal failure gets a fresh reference, shown to the user, and its
//! whole cause chain ([`rehearse_db::error_chain`]) is logged under that reference, so the
//! one line a support request quotes leads to the root cause and not only its outer message.
//! Prefer [`internal_error`] and [`RouteError::internal_error`] (or the `From` conversions
//! below) for anything that is a `std::error::Error`; [`internal`] stays for plain messages.
//!
//! The conversions run one way: a domain error becomes an [`ApiError`] here, and an
//! [`ApiError`] becomes a [`RouteError`] here, so a route and a server function meeting the
//! same failure answer it the same way and the mapping is written once.

use crate::api::ApiError;
use axum::http::StatusCode;
use leptos::prelude::*;
use rehearse_auth::verify::{ChangePasswordError, ConfirmError, ResetError};
use rehearse_auth::{SignInError, SignUpError};
use rehearse_db::DbError;

/// The HTTP status that fits an [`ApiError`].
pub fn status_code(error: &ApiError) -> StatusCode {
    match error {
        ApiError::Unauthenticated => StatusCode::UNAUTHORIZED,
        ApiError::Forbidden => StatusCode::FORBIDDEN,
        ApiError::NotFound => StatusCode::NOT_FOUND,
        ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
        ApiError::Conflict(_) => StatusCode::CONFLICT,
        ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        ApiError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
        ApiError::QuotaReached(_) => StatusCode::FORBIDDEN,
        ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        ApiError::Transport(_) => StatusCode::BAD_REQUEST,
    }
}

/// Sets the response status for `error` (when there is a response to set it on) and returns it.
pub fn status(error: ApiError) -> ApiError {
    if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
        options.set_status(status_code(&error));
    }
    error
}

/// A 409, 429 or 503 that tells the client when to try again.
pub fn retry_after(error: ApiError, seconds: u32) -> ApiError {
    if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
        if let Ok(value) = axum::http::HeaderValue::from_str(&seconds.to_string()) {
            options.insert_header(axum::http::header::RETRY_AFTER, value);
        }
    }
    status(error)
}

/// A usage quota that refused a request, with a message the page shows as it is. The daily
/// interview quota is a 429 whose `Retry-After` runs to midnight UTC, when it lifts; the
/// per-interview message quota is a 403 (waiting does not lift it).
pub fn quota(exceeded: rehearse_interview::service::QuotaExceeded) -> ApiError {
    use rehearse_interview::service::QuotaExceeded;
    match exceeded {
        QuotaExceeded::InterviewsToday {
            limit,
            resets_in_secs,
        } => {
            let seconds = u32::try_from(resets_in_secs).unwrap_or(u32::MAX);
            retry_after(
                ApiError::RateLimited {
                    message: format!(
                        "You have started {limit} interview{} today, the most in one day. You \
                         can start another after midnight UTC, in {}. Your past interviews are \
                         on your home page.",
                        if limit == 1 { "" } else { "s" },
                        wait_words(resets_in_secs)
                    ),
                    retry_after_secs: seconds,
                },
                seconds,
            )
        }
        QuotaExceeded::MessagesInInterview { limit } => status(ApiError::QuotaReached(format!(
            "This interview has reached its limit of {limit} messages, so this one was not \
             sent. Start a new interview to keep practising."
        ))),
    }
}

/// "3 hours", "25 minutes": how long until a quota lifts, rounded up.
fn wait_words(seconds: u64) -> String {
    let (n, unit) = if seconds >= 3600 {
        (seconds.div_ceil(3600), "hour")
    } else {
        (seconds.div_ceil(60).max(1), "minute")
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// A fresh reference for an internal failure: what the user sees and the log is keyed by.
fn new_reference() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_owned()
}

/// Logs an internal failure with a fresh reference and returns the error the user sees, which
/// carries only that reference. This logs `cause` as it displays; for an error with sources,
/// [`internal_error`] logs the whole chain.
pub fn internal(cause: impl std::fmt::Display) -> ApiError {
    let reference = new_reference();
    tracing::error!(reference = %reference, error = %cause, "internal error in a server function");
    status(ApiError::Internal(reference))
}

/// Like [`internal`], but logs `cause` with every `source()` under it (the sqlx or I/O error
/// beneath a [`rehearse_db::DbError`], say), so the reference leads to the root cause.
pub fn internal_error(cause: &(dyn std::error::Error + 'static)) -> ApiError {
    let reference = new_reference();
    let chain = rehearse_db::error_chain(cause);
    tracing::error!(reference = %reference, error = %chain, "internal error in a server function");
    status(ApiError::Internal(reference))
}

/// What a person is told when the database is momentarily overloaded.
const DB_BUSY: &str = "The service is busy right now. Try again in a few seconds.";
/// The `Retry-After`, in seconds, for a momentarily overloaded database.
const DB_BUSY_RETRY_SECS: u32 = 2;

/// A database failure a server function did not handle itself, answered for what failed.
///
/// A clash with other writers ([`DbError::Busy`]) or no pooled connection free in time
/// ([`DbError::PoolTimedOut`]) means the database is momentarily overloaded, not broken: the
/// same request will likely succeed a moment later, so the person gets a 503 that says to try
/// again (with `Retry-After`), not a reference to quote. It is logged at warn, with its cause
/// chain, so a run of them still shows in the logs.
///
/// Anything else is ours: logged with its cause chain under a reference, exactly as
/// `.map_err(|e| internal_error(&e))`. Callers that give `NotFound` or `Conflict` a meaning of
/// their own (a 404, a "taken") match on them first.
impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        match &e {
            DbError::Busy(_) | DbError::PoolTimedOut => {
                let chain = rehearse_db::error_chain(&e);
                tracing::warn!(error = %chain, "database busy; the client was asked to retry");
                retry_after(
                    ApiError::Busy {
                        message: DB_BUSY.into(),
                        retry_after_secs: DB_BUSY_RETRY_SECS,
                    },
                    DB_BUSY_RETRY_SECS,
                )
            }
            _ => internal_error(&e),
        }
    }
}

/// Account errors a caller did not handle itself. The database failure inside goes through the
/// [`DbError`] mapping above (a busy database is a "try again", anything else internal); a
/// hashing failure is ours, logged with its cause chain under a reference. The refusals
/// (invalid form, taken address, wrong credentials, bad link, throttling) are for the caller to
/// word and are matched before this; one that reaches it is treated as internal, logged the
/// same way.
macro_rules! account_error_to_api {
    ($($error:ident),+ $(,)?) => {$(
        impl From<$error> for ApiError {
            fn from(e: $error) -> Self {
                match e {
                    $error::Db(e) => ApiError::from(e),
                    e => internal_error(&e),
                }
            }
        }
    )+};
}

account_error_to_api!(
    SignUpError,
    SignInError,
    ConfirmError,
    ResetError,
    ChangePasswordError
);

/// Failures of the plain axum routes (sign-in, sign-up, OAuth callbacks), with their status.
/// Browsers get these as a redirect with a flash message instead (see the server's
/// `routes::auth`); API clients get the status and a JSON body.
#[derive(Debug)]
pub enum RouteError {
    Invalid(rehearse_types::FormErrors),
    Conflict(String),
    Unauthorized(String),
    Forbidden(String),
    BadRequest(String),
    NotFound(String),
    TooLarge(String),
    Throttled(std::time::Duration),
    /// Over an admission limit other than sign-in (for example too many open live streams):
    /// the message, and when to try again.
    Limited(String, std::time::Duration),
    Upstream(String),
    Internal(String),
}

impl RouteError {
    pub fn status(&self) -> StatusCode {
        match self {
            RouteError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            RouteError::Conflict(_) => StatusCode::CONFLICT,
            RouteError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            RouteError::Forbidden(_) => StatusCode::FORBIDDEN,
            RouteError::BadRequest(_) => StatusCode::BAD_REQUEST,
            RouteError::NotFound(_) => StatusCode::NOT_FOUND,
            RouteError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            RouteError::Throttled(_) | RouteError::Limited(..) => StatusCode::TOO_MANY_REQUESTS,
            RouteError::Upstream(_) => StatusCode::BAD_GATEWAY,
            RouteError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The sentence a person sees.
    pub fn message(&self) -> String {
        match self {
            RouteError::Invalid(errors) => errors
                .form
                .clone()
                .unwrap_or_else(|| "Check the highlighted fields.".into()),
            RouteError::Throttled(wait) => {
                let minutes = wait.as_secs().div_ceil(60).max(1);
                format!(
                    "Too many sign-in attempts. Try again in {minutes} minute{}.",
                    if minutes == 1 { "" } else { "s" }
                )
            }
            RouteError::Internal(reference) => {
                format!("Something went wrong on our side. Reference: {reference}.")
            }
            RouteError::Conflict(m)
            | RouteError::Unauthorized(m)
            | RouteError::Forbidden(m)
            | RouteError::BadRequest(m)
            | RouteError::NotFound(m)
            | RouteError::TooLarge(m)
            | RouteError::Limited(m, _)
            | RouteError::Upstream(m) => m.clone(),
        }
    }

    /// The form errors to show on a page: field errors as they are, anything else as a
    /// message about the whole form.
    pub fn form_errors(&self) -> rehearse_types::FormErrors {
        match self {
            RouteError::Invalid(errors) => errors.clone(),
            other => rehearse_types::FormErrors::whole(other.message()),
        }
    }

    /// Logs an internal cause under a fresh reference. This logs `cause` as it displays; for an
    /// error with sources, [`RouteError::internal_error`] logs the whole chain.
    pub fn internal(cause: impl std::fmt::Display) -> RouteError {
        let reference = new_reference();
        tracing::error!(reference = %reference, error = %cause, "internal error in a route");
        RouteError::Internal(reference)
    }

    /// Like [`RouteError::internal`], but logs `cause` with every `source()` under it.
    pub fn internal_error(cause: &(dyn std::error::Error + 'static)) -> RouteError {
        let reference = new_reference();
        let chain = rehearse_db::error_chain(cause);
        tracing::error!(reference = %reference, error = %chain, "internal error in a route");
        RouteError::Internal(reference)
    }
}

/// A server function's error met by a route, with the same message: an internal error keeps
/// the reference already logged, so nothing is logged twice. A `Busy` (503) becomes a
/// `Limited` (429), the route error that carries a `Retry-After`.
impl From<ApiError> for RouteError {
    fn from(e: ApiError) -> Self {
        let message = e.to_string();
        match e {
            ApiError::Unauthenticated => RouteError::Unauthorized(message),
            ApiError::Forbidden => RouteError::Forbidden(message),
            ApiError::NotFound => RouteError::NotFound(message),
            ApiError::Invalid(m) => RouteError::Invalid(rehearse_types::FormErrors::whole(m)),
            ApiError::BadRequest(_) | ApiError::Transport(_) => RouteError::BadRequest(message),
            ApiError::Conflict(m) => RouteError::Conflict(m),
            ApiError::RateLimited {
                message,
                retry_after_secs,
            }
            | ApiError::Busy {
                message,
                retry_after_secs,
            } => RouteError::Limited(
                message,
                std::time::Duration::from_secs(u64::from(retry_after_secs)),
            ),
            ApiError::QuotaReached(m) => RouteError::Forbidden(m),
            ApiError::Internal(reference) => RouteError::Internal(reference),
        }
    }
}

/// A database failure a route did not handle itself, through the [`ApiError`] mapping so that
/// mapping is written once: a busy database is a `Limited` (429, with `Retry-After`), anything
/// else is logged with its cause chain under a reference and becomes `Internal`.
impl From<DbError> for RouteError {
    fn from(e: DbError) -> Self {
        RouteError::from(ApiError::from(e))
    }
}

impl axum::response::IntoResponse for RouteError {
    fn into_response(self) -> axum::response::Response {
        let status = self.status();
        let code = match &self {
            RouteError::Invalid(_) => "invalid",
            RouteError::Conflict(_) => "conflict",
            RouteError::Unauthorized(_) => "unauthorized",
            RouteError::Forbidden(_) => "forbidden",
            RouteError::BadRequest(_) => "bad_request",
            RouteError::NotFound(_) => "not_found",
            RouteError::TooLarge(_) => "too_large",
            RouteError::Throttled(_) => "throttled",
            RouteError::Limited(..) => "limited",
            RouteError::Upstream(_) => "upstream",
            RouteError::Internal(_) => "internal",
        };
        let fields = match &self {
            RouteError::Invalid(errors) => errors.fields.clone(),
            _ => Vec::new(),
        };
        let body = axum::Json(
            serde_json::json!({ "error": code, "message": self.message(), "fields": fields }),
        );
        let mut response = (status, body).into_response();
        if let RouteError::Throttled(wait) | RouteError::Limited(_, wait) = &self {
            if let Ok(value) = axum::http::HeaderValue::from_str(&wait.as_secs().max(1).to_string())
            {
                response
                    .headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, value);
            }
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::wait_words;

    #[test]
    fn a_quota_says_how_long_until_it_lifts_rounded_up() {
        assert_eq!(wait_words(1), "1 minute");
        assert_eq!(wait_words(61), "2 minutes");
        assert_eq!(wait_words(3600), "1 hour");
        assert_eq!(wait_words(3601), "2 hours");
        assert_eq!(wait_words(86_400), "24 hours");
    }

    #[test]
    fn a_busy_database_asks_to_retry_and_anything_else_is_internal() {
        use super::{ApiError, RouteError};
        use rehearse_db::DbError;
        match ApiError::from(DbError::PoolTimedOut) {
            ApiError::Busy {
                retry_after_secs, ..
            } => assert_eq!(retry_after_secs, 2),
            other => panic!("{other:?}"),
        }
        let route = RouteError::from(DbError::PoolTimedOut);
        assert_eq!(route.status(), axum::http::StatusCode::TOO_MANY_REQUESTS);
        assert!(route.message().contains("busy"), "{}", route.message());
        assert!(matches!(
            ApiError::from(DbError::NotFound),
            ApiError::Internal(_)
        ));
        // A route meeting a server function's internal error keeps its reference.
        let RouteError::Internal(reference) = RouteError::from(DbError::NotFound) else {
            panic!("internal");
        };
        assert_eq!(reference.len(), 12);
    }
}
