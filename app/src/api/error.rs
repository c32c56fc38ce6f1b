use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// What a server function can tell the browser went wrong. Each message is meant for the
/// person using the page; internal causes stay in the server's log under the reference shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum ApiError {
    #[error("Sign in to continue.")]
    Unauthenticated,
    #[error("You do not have access to this.")]
    Forbidden,
    #[error("Not found.")]
    NotFound,
    #[error("{0}")]
    Invalid(String),
    #[error("The request was malformed: {0}")]
    BadRequest(String),
    /// Not now: the same request may succeed a moment later (409, with Retry-After).
    #[error("{0}")]
    Conflict(String),
    /// Too many requests of one kind from one person or address (429, with Retry-After). The
    /// message says how long to wait; `retry_after_secs` is that wait, for a client that counts
    /// down.
    #[error("{message}")]
    RateLimited {
        message: String,
        retry_after_secs: u32,
    },
    /// The service is at capacity for now (503, with Retry-After): the model's slots and the
    /// line for them are full, or the database is momentarily overloaded. The message says how
    /// long to wait.
    #[error("{message}")]
    Busy {
        message: String,
        retry_after_secs: u32,
    },
    /// A usage quota that waiting a moment will not lift, such as the messages one interview
    /// may hold (403). The message says what to do instead.
    #[error("{0}")]
    QuotaReached(String),
    #[error("Something went wrong on our side. Reference: {0}.")]
    Internal(String),
    #[error("Could not reach the server ({0}).")]
    Transport(String),
}

impl FromServerFnError for ApiError {
    type Encoder = JsonEncoding;

    /// Transport failures seen in the browser, and undecodable arguments seen on the server
    /// (which get 400: the request, not the server, is at fault).
    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(m) | ServerFnErrorErr::MissingArg(m) => bad_request(m),
            other => ApiError::Transport(other.to_string()),
        }
    }
}

fn bad_request(message: String) -> ApiError {
    let error = ApiError::BadRequest(message.chars().take(200).collect());
    #[cfg(feature = "ssr")]
    let error = crate::server::errors::status(error);
    error
}
