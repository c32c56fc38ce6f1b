//! How the page router is put together: the app's page routes, the layers every request passes
//! through, and the two middlewares (page render deadline, body size cap) that exist only for
//! it. Kept apart from [`super::Application`] so the composition root reads as "build the parts,
//! then bind", and the layer order can be read in one place.

use super::session_cookie_name;
use crate::security_headers::{provide_request_nonce, set_security_headers, SecurityHeaders};
use crate::{csrf, page_guard, routes};
use app::server::client_ip::TrustedProxyHops;
use app::server::state::AppState;
use app::{shell, App};
use axum::extract::{DefaultBodyLimit, State};
use axum::response::IntoResponse;
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use rehearse_db::SessionStore;
use rehearse_settings::Settings;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

/// The app's page routes, generated once per process.
///
/// Generating them renders the app with a process-wide flag set that makes every `Resource`
/// started meanwhile wait forever (leptos issue #4773): a page rendering on another thread at
/// that moment never answers. Building the list once, before any router exists, means no page
/// can be rendering while it is generated; later routers (tests build one per test) reuse it.
pub fn page_routes() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

pub(super) fn router(state: AppState, sessions: SessionStore) -> Router {
    let settings = state.settings.clone();
    let signup_limits = app::server::signup_limits::SignUpLimits::new(&settings.signup);
    signup_limits.spawn_cleanup();
    let routes = page_routes();
    let context_state = state.clone();
    let shell_options = state.leptos_options.clone();
    let render_timeout = Duration::from_secs(settings.render_timeout_secs);

    let session_layer = SessionManagerLayer::new(sessions)
        .with_name(session_cookie_name(&settings))
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(settings.https())
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(time::Duration::hours(i64::from(
            settings.session_idle_hours,
        ))));

    // Pages get a render deadline; the API routes (server functions, the event stream) do not.
    let pages = Router::new()
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                provide_context(context_state.clone());
                provide_request_nonce();
            },
            move || shell(shell_options.clone()),
        )
        .layer(axum::middleware::from_fn_with_state(
            render_timeout,
            render_deadline,
        ));

    // Unknown paths render the app's not-found page, under this response's CSP nonce too.
    let not_found = leptos_axum::file_and_error_handler_with_context::<AppState, _>(
        provide_request_nonce,
        shell,
    );

    Router::new()
        .merge(routes::health::router())
        .nest("/auth", routes::auth::router())
        .merge(routes::interviews::router())
        .merge(routes::knowledge::router())
        .merge(pages)
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            page_guard::guard,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            app::server::user_sessions::track_sign_ins,
        ))
        .layer(axum::middleware::from_fn_with_state(
            signup_limits,
            app::server::signup_limits::admit,
        ))
        .layer(session_layer)
        .layer(axum::middleware::from_fn_with_state(
            settings.clone(),
            csrf::same_origin_only,
        ))
        .layer(axum::Extension(TrustedProxyHops(settings.proxy_hops())))
        .layer(DefaultBodyLimit::max(upload_limit(&settings)))
        .layer(axum::middleware::from_fn_with_state(
            settings.clone(),
            limit_body,
        ))
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(SecurityHeaders::new(&settings, &state.leptos_options)),
            set_security_headers,
        ))
        .layer(TraceLayer::new_for_http())
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// Answers 503 when a page has not rendered within `limit`, so a render stuck on a resource
/// that never resolves costs the visitor a retry, not a connection held open forever.
async fn render_deadline(
    State(limit): State<Duration>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let path = request.uri().path().to_owned();
    // The same router carries the server functions, which answer on their own terms.
    if path.starts_with("/api/") {
        return next.run(request).await;
    }
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::error!(%path, seconds = limit.as_secs(), "page render timed out");
            (
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                [(axum::http::header::RETRY_AFTER, "1")],
                axum::response::Html(RENDER_TIMEOUT_PAGE),
            )
                .into_response()
        }
    }
}

const RENDER_TIMEOUT_PAGE: &str = r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Try again · Rehearse</title>
<link rel="stylesheet" href="/pkg/rehearse.css"></head>
<body class="min-h-screen bg-slate-50 text-slate-900"><main class="mx-auto max-w-xl px-4 py-16">
<h1 class="text-2xl font-semibold" data-testid="render-timeout">This page took too long to load</h1>
<p class="mt-2 text-slate-600">Nothing you saved is lost. <a class="text-indigo-700 underline" href="">Reload the page</a> to try again.</p>
</main></body></html>"#;

/// The largest request body: job-description uploads may be larger than everything else.
fn upload_limit(settings: &Settings) -> usize {
    settings
        .max_body_bytes
        .max(settings.knowledge.max_upload_bytes + 64 * 1024)
}

/// Caps every request body at `max_body_bytes`, except the job-description upload route which
/// gets the upload limit (plus room for the form around the file). Over the cap: 413.
async fn limit_body(
    State(settings): State<Arc<Settings>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let limit = if request.uri().path() == routes::knowledge::UPLOAD_PATH {
        upload_limit(&settings)
    } else {
        settings.max_body_bytes
    };
    let declared = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return axum::http::StatusCode::PAYLOAD_TOO_LARGE.into_response();
    }
    let request =
        request.map(|body| axum::body::Body::new(http_body_util::Limited::new(body, limit)));
    next.run(request).await
}
