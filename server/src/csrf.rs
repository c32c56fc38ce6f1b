//! Cross-site request refusal for every state-changing request (forms, server functions).
//!
//! Browsers send `Origin` on cross-origin POSTs and `Sec-Fetch-Site` on every request; a
//! request that a browser marks as coming from another site is refused with 403. Requests with
//! neither header come from non-browser clients, which cannot ride a user's cookies. SameSite=Lax
//! session cookies are the second line of defence.

use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rehearse_settings::Settings;
use std::sync::Arc;

pub async fn same_origin_only(
    State(settings): State<Arc<Settings>>,
    request: Request,
    next: Next,
) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) || is_same_origin(&settings, &request)
    {
        return next.run(request).await;
    }
    tracing::warn!(path = %request.uri().path(), "refused a cross-site request");
    (
        StatusCode::FORBIDDEN,
        axum::Json(serde_json::json!({ "error": "cross_site", "message": "Cross-site requests are not allowed." })),
    )
        .into_response()
}

fn is_same_origin(settings: &Settings, request: &Request) -> bool {
    let headers = request.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        if site == "cross-site" {
            return false;
        }
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    let Ok(origin) = url::Url::parse(origin) else {
        return false;
    };
    let Some(origin_host) = origin.host_str() else {
        return false;
    };
    let origin_authority = match origin.port() {
        Some(port) => format!("{origin_host}:{port}"),
        None => origin_host.to_owned(),
    };
    if let Some(public) = &settings.public_url {
        if public.origin() == origin.origin() {
            return true;
        }
    }
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|host| host.eq_ignore_ascii_case(&origin_authority))
}
