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

/// The success response: a redirect to `page` for a browser, `body` (a status, JSON or both)
/// for an API client. Every form route ends this way, so the choice between the two shapes is
/// made here once rather than in an `if` in each handler.
pub fn success(headers: &HeaderMap, page: &str, body: impl IntoResponse) -> Response {
    if wants_html(headers) {
        Redirect::to(page).into_response()
    } else {
        body.into_response()
    }
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

/// Where a sign-in goes when `next` is missing or refused.
const DEFAULT_NEXT: &str = "/home";

/// The origin relative `next` values are resolved against. Any fixed origin gives the same
/// verdict as the public URL for a relative reference (it stays on the origin or it does not),
/// and an absolute URL is refused before resolution, so the check needs no configuration.
const RESOLVE_BASE: &str = "http://next.invalid/";

/// How many layers of percent-encoding are looked through for a hidden backslash, control
/// character or `//`; more layers than this are refused outright.
const DECODE_LAYERS: usize = 3;

/// A local path to continue to after signing in, or `/home`. `next` must be a path on this
/// site (it starts with a single `/`), contain no backslash or control character, not even
/// percent-encoded (a tab is dropped by browsers' URL parsing, so `/<tab>/evil.example/`
/// would become `//evil.example/`), and still be on this origin once resolved the way a
/// browser resolves a `Location`. What comes back is the resolved, normalised path, query and
/// fragment, so the browser reads exactly what was checked.
pub fn safe_next(next: Option<&str>) -> String {
    next.and_then(local_path)
        .unwrap_or_else(|| DEFAULT_NEXT.to_owned())
}

fn local_path(next: &str) -> Option<String> {
    if next.len() >= 512 || !next.starts_with('/') || !plain_at_every_layer(next) {
        return None;
    }
    let base = url::Url::parse(RESOLVE_BASE).ok()?;
    let resolved = base.join(next).ok()?;
    if resolved.origin() != base.origin()
        || !resolved.username().is_empty()
        || resolved.password().is_some()
    {
        return None;
    }
    let local = &resolved[url::Position::BeforePath..];
    // Dot segments can leave a path that starts with `//` (`/.//evil`), which a browser would
    // read as another host.
    (local.starts_with('/') && !local.starts_with("//")).then(|| local.to_owned())
}

/// Whether `next` and each percent-decoding of it is free of backslashes, control characters
/// and a leading `//`, so no later decoding (by a proxy, a browser quirk, or a page that
/// passes the value on) can turn it into another host.
fn plain_at_every_layer(next: &str) -> bool {
    let mut layer = next.as_bytes().to_vec();
    for _ in 0..=DECODE_LAYERS {
        let text = String::from_utf8_lossy(&layer);
        if text.starts_with("//") || text.chars().any(|c| c == '\\' || c.is_control()) {
            return false;
        }
        let decoded = percent_decode(&layer);
        if decoded == layer {
            return true;
        }
        layer = decoded;
    }
    false
}

/// One layer of percent-decoding; a `%` not followed by two hex digits stays as it is.
fn percent_decode(input: &[u8]) -> Vec<u8> {
    let hex = |b: u8| char::from(b).to_digit(16);
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        if input[i] == b'%' {
            if let (Some(hi), Some(lo)) = (
                input.get(i + 1).and_then(|b| hex(*b)),
                input.get(i + 2).and_then(|b| hex(*b)),
            ) {
                // Two hex digits are at most 0xff.
                out.push(u8::try_from(hi * 16 + lo).unwrap_or(u8::MAX));
                i += 3;
                continue;
            }
        }
        out.push(input[i]);
        i += 1;
    }
    out
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

    #[test]
    fn local_paths_survive_with_query_and_fragment() {
        for path in [
            "/",
            "/home",
            "/interviews/0b4c7a52-9d1e-4f7e-a1c2-3d4e5f607182",
            "/review?status=held&page=2",
            "/admin/ai#traces",
            "/home?q=a%20b",
        ] {
            assert_eq!(safe_next(Some(path)), path, "{path}");
        }
        assert_eq!(safe_next(Some("/admin/../home")), "/home");
    }

    #[test]
    fn nasty_next_values_fall_back_to_home() {
        for nasty in [
            "",
            "//evil.example",
            "//evil.example/",
            "///evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/%5Cevil.example",
            "/%5cevil.example",
            "/%09/evil.example/",
            "/\t/evil.example/",
            "/\n/evil.example/",
            "/\r\n/evil.example/",
            "/%0d%0aSet-Cookie:x=1",
            "/\u{0}/evil.example",
            "/\u{85}/evil.example",
            "/%2F%2Fevil.example",
            "/%2f/evil.example",
            "/%252F%252Fevil.example",
            "/%25252F%25252Fevil.example",
            "/.//evil.example",
            "/./\\evil.example",
            "https://evil.example",
            "http:evil.example",
            "https:/evil.example",
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            " /home",
            "\t/home",
            "data:text/html,<script>alert(1)</script>",
            "evil.example",
            "@evil.example",
        ] {
            assert_eq!(safe_next(Some(nasty)), "/home", "{nasty:?}");
        }
        let long = format!("/{}", "a".repeat(600));
        assert_eq!(safe_next(Some(&long)), "/home");
    }

    #[test]
    fn percent_decoding_leaves_incomplete_escapes() {
        assert_eq!(percent_decode(b"/a%2Fb%zz%4"), b"/a/b%zz%4".to_vec());
    }
}
