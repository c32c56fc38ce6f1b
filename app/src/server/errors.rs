//! The one place server-function errors get their HTTP status and internal causes get logged.

use crate::api::ApiError;
use axum::http::StatusCode;
use leptos::prelude::*;

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

/// Logs an internal failure with a fresh reference and returns the error the user sees, which
/// carries only that reference.
pub fn internal(cause: impl std::fmt::Display) -> ApiError {
    let reference = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
    tracing::error!(reference = %reference, error = %cause, "internal error in a server function");
    status(ApiError::Internal(reference))
}

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

    /// Logs an internal cause under a fresh reference.
    pub fn internal(cause: impl std::fmt::Display) -> RouteError {
        let reference = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
        tracing::error!(reference = %reference, error = %cause, "internal error in a route");
        RouteError::Internal(reference)
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
}
