//! Browsers and API clients get different shapes of the same outcome: a browser submitting a
//! form is redirected (post-redirect-get, errors carried in the session), an API client gets a
//! status code and JSON.

use app::server::errors::RouteError;
use app::server::flash;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use rehearse_types::FormFlash;
use tower_sessions::Session;

/// Whether the client asked for HTML (a browser form submission or navigation).
pub fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

/// The failure response: a redirect back to `page` with the errors flashed, or the error itself.
pub async fn failure(
    headers: &HeaderMap,
    session: &Session,
    page: &str,
    form: &str,
    email: &str,
    name: &str,
    error: RouteError,
) -> Response {
    if !wants_html(headers) {
        return error.into_response();
    }
    let status = error.status();
    let stored = FormFlash {
        form: form.to_owned(),
        errors: error.form_errors(),
        email: email.to_owned(),
        name: name.to_owned(),
    };
    if let Err(e) = flash::put(session, stored).await {
        tracing::warn!(error = %e, %status, "could not store form errors in the session");
        return error.into_response();
    }
    Redirect::to(page).into_response()
}

/// A local path to continue to after signing in; anything else (absolute URLs, `//host`,
/// backslashes) falls back to `/home`, so the parameter cannot be used as an open redirect.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') && n.len() < 512 =>
        {
            n.to_owned()
        }
        _ => "/home".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_local_only() {
        assert_eq!(safe_next(Some("/admin/users")), "/admin/users");
        assert_eq!(safe_next(Some("//evil.example")), "/home");
        assert_eq!(safe_next(Some("https://evil.example")), "/home");
        assert_eq!(safe_next(Some("/\\evil.example")), "/home");
        assert_eq!(safe_next(None), "/home");
    }
}
