//! Security headers on every response: a Content-Security-Policy with a fresh script nonce per
//! response, and the headers that keep the site out of frames, stop MIME sniffing, keep URLs out
//! of other sites' `Referer`, switch off browser features the app never uses, and (under an
//! `https` public URL) pin HTTPS.
//!
//! The nonce is made here, before the request reaches any handler, and put in the request's
//! extensions. A page render adopts it ([`provide_request_nonce`], run from the render's context
//! function), so the inline scripts Leptos writes (the hydration loader and the resolved
//! resources of an async page, both read the nonce through `leptos::nonce::use_nonce`) carry the
//! very value this layer writes into the header. No script runs without it: there is no
//! `'unsafe-inline'` for scripts, and the app renders no `style` attributes, so styles need none
//! either.

use axum::extract::{Request, State};
use axum::http::header::{
    CONTENT_SECURITY_POLICY, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use leptos::config::LeptosOptions;
use leptos::nonce::Nonce;
use leptos::prelude::{provide_context, use_context};
use rehearse_settings::Settings;
use std::sync::Arc;

/// Browser features the app never uses, all switched off for every origin.
const PERMISSIONS_POLICY: &str = "accelerometer=(), autoplay=(), camera=(), display-capture=(), \
     geolocation=(), gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=()";

/// Two years, the preload lists' minimum; sent only when the public URL is `https`.
const HSTS: &str = "max-age=63072000";

/// This response's CSP nonce, in the request's extensions for the page render to adopt.
#[derive(Debug, Clone)]
pub struct CspNonce(pub Nonce);

/// What the headers depend on, fixed at start.
#[derive(Debug, Clone)]
pub struct SecurityHeaders {
    /// Whether to send `Strict-Transport-Security` (the public URL is `https`).
    hsts: bool,
    /// cargo-leptos' live-reload WebSocket port, only while `cargo leptos watch` runs
    /// (`LEPTOS_WATCH`): the reload script connects to it, on another port than the site.
    reload_port: Option<u32>,
}

impl SecurityHeaders {
    pub fn new(settings: &Settings, options: &LeptosOptions) -> Self {
        let watching = std::env::var_os("LEPTOS_WATCH").is_some();
        SecurityHeaders {
            hsts: settings.https(),
            reload_port: watching
                .then(|| options.reload_external_port.unwrap_or(options.reload_port)),
        }
    }

    /// The policy for one response. Scripts: our own files, inline scripts carrying `nonce`,
    /// and compiling the app's WebAssembly; everything else from our own origin only; no
    /// plugins, no framing, no `<base>` or form posts elsewhere.
    pub fn content_security_policy(&self, nonce: &str) -> String {
        let reload = match self.reload_port {
            Some(port) => format!(" ws://*:{port} wss://*:{port}"),
            None => String::new(),
        };
        format!(
            "default-src 'self'; \
             script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
             style-src 'self'; \
             img-src 'self' data:; \
             font-src 'self'; \
             connect-src 'self'{reload}; \
             object-src 'none'; \
             base-uri 'self'; \
             form-action 'self'; \
             frame-ancestors 'none'"
        )
    }

    fn apply(&self, headers: &mut HeaderMap, csp: HeaderValue) {
        headers.insert(CONTENT_SECURITY_POLICY, csp);
        headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
        headers.insert(
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static(PERMISSIONS_POLICY),
        );
        headers.insert(
            HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        );
        if self.hsts {
            headers.insert(STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
        }
    }
}

/// The layer: makes this response's nonce, hands it to the handlers, and sets the headers on
/// whatever comes back (pages, redirects, errors, static files, server functions).
pub async fn set_security_headers(
    State(policy): State<Arc<SecurityHeaders>>,
    mut request: Request,
    next: Next,
) -> Response {
    let nonce = Nonce::new();
    let csp = match HeaderValue::from_str(&policy.content_security_policy(&nonce)) {
        Ok(value) => value,
        Err(error) => {
            // Unreachable with a base64url nonce; never serve a page without its policy.
            tracing::error!(%error, "could not build the Content-Security-Policy header");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    request.extensions_mut().insert(CspNonce(nonce));
    let mut response = next.run(request).await;
    policy.apply(response.headers_mut(), csp);
    response
}

/// Makes the current render use the nonce [`set_security_headers`] put in the request,
/// replacing the one leptos_axum generated for it. Call from the context function of every
/// Leptos render (pages and the not-found fallback); outside a render, or for a request that did
/// not pass the layer, it does nothing.
pub fn provide_request_nonce() {
    let nonce = use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<CspNonce>().cloned());
    if let Some(CspNonce(nonce)) = nonce {
        provide_context(nonce);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(hsts: bool, reload_port: Option<u32>) -> SecurityHeaders {
        SecurityHeaders { hsts, reload_port }
    }

    #[test]
    fn scripts_need_the_nonce_and_nothing_is_inline() {
        let csp = policy(false, None).content_security_policy("abc123");
        assert!(
            csp.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval';"),
            "{csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert!(!csp.contains("'unsafe-eval'"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(csp.contains("object-src 'none'"), "{csp}");
        assert!(csp.contains("connect-src 'self';"), "{csp}");
    }

    #[test]
    fn the_live_reload_socket_is_allowed_only_while_watching() {
        let csp = policy(false, Some(3001)).content_security_policy("n");
        assert!(
            csp.contains("connect-src 'self' ws://*:3001 wss://*:3001;"),
            "{csp}"
        );
    }

    #[test]
    fn hsts_only_under_https() {
        let csp = HeaderValue::from_static("default-src 'self'");
        let mut plain = HeaderMap::new();
        policy(false, None).apply(&mut plain, csp.clone());
        assert!(plain.get(STRICT_TRANSPORT_SECURITY).is_none());
        assert_eq!(plain[X_CONTENT_TYPE_OPTIONS], "nosniff");
        let mut secure = HeaderMap::new();
        policy(true, None).apply(&mut secure, csp);
        assert_eq!(secure[STRICT_TRANSPORT_SECURITY], HSTS);
    }

    #[test]
    fn nonces_are_fresh_and_fit_a_header() {
        let (a, b) = (Nonce::new(), Nonce::new());
        assert_ne!(a, b);
        assert!(a.len() >= 22, "128 bits, base64url: {a}");
        assert!(a
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    }
}
