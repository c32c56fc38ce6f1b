//! `POST /admin/jds/upload`: a job description as a file (.txt, .md, .pdf) or pasted text, as
//! a multipart form that works without JavaScript. Browsers are redirected to the job
//! description's page (or back to the form with the error flashed); API clients get JSON.

use super::negotiate::{failure, success};
use app::server::client_ip::ClientIp;
use app::server::errors::RouteError;
use app::server::guard::{actor_from_session, Caller};
use app::server::state::AppState;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use rehearse_auth::{policy, AccessError};
use tower_sessions::Session;

pub const UPLOAD_PATH: &str = "/admin/jds/upload";

pub fn router() -> Router<AppState> {
    Router::new().route(UPLOAD_PATH, post(upload))
}

#[derive(Default)]
struct Form {
    jd_id: Option<String>,
    text: Option<String>,
    file: Option<(String, Vec<u8>)>,
}

async fn read_form(mut multipart: Multipart) -> Result<Form, RouteError> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            RouteError::TooLarge("The file is larger than the upload limit.".into())
        } else {
            RouteError::BadRequest(format!("The form could not be read: {}", e.body_text()))
        }
    };
    let mut form = Form::default();
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        match field.name().unwrap_or_default() {
            "jd_id" => {
                form.jd_id = Some(field.text().await.map_err(bad)?).filter(|s| !s.trim().is_empty())
            }
            "text" => form.text = Some(field.text().await.map_err(bad)?),
            "file" => {
                let name = field.file_name().unwrap_or_default().to_owned();
                let bytes = field.bytes().await.map_err(bad)?;
                // A browser sends an empty part when no file was chosen.
                if !(name.is_empty() && bytes.is_empty()) {
                    form.file = Some((name, bytes.to_vec()));
                }
            }
            _ => {}
        }
    }
    Ok(form)
}

async fn upload(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    session: Session,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    let actor = match actor_from_session(&session, &state.accounts).await {
        Ok(a) => a,
        Err(e) => return RouteError::from(e).into_response(),
    };
    let actor = match policy::require_role(actor.as_ref(), policy::ADMIN) {
        Ok(a) => a.clone(),
        Err(AccessError::Unauthenticated) => {
            return RouteError::Unauthorized("Sign in to continue.".into()).into_response()
        }
        Err(AccessError::Forbidden) => {
            return RouteError::Forbidden("Only admins manage job descriptions.".into())
                .into_response()
        }
    };
    let back = "/admin/jds";
    let form = match read_form(multipart).await {
        Ok(f) => f,
        Err(e) => return failure(&headers, &session, back, "jd_upload", "", "", e).await,
    };
    let ctx = Caller { state, actor, ip };
    let text = form.text.as_deref().filter(|t| !t.trim().is_empty());
    match app::server::knowledge::add(&ctx, form.jd_id.as_deref(), text, form.file).await {
        Ok(added) => {
            let body = serde_json::json!({
                "jd_id": added.jd.id,
                "version_id": added.version.id,
                "version": added.version.version,
                "status": added.version.status.as_str(),
            });
            let page = format!("/admin/jds/{}", added.jd.id);
            success(&headers, &page, (StatusCode::CREATED, Json(body)))
        }
        Err(e) => {
            let page = match &e {
                app::api::ApiError::Invalid(_) => match form_jd(&headers) {
                    Some(p) => p,
                    None => back.to_owned(),
                },
                _ => back.to_owned(),
            };
            let route_error = match e {
                app::api::ApiError::Invalid(m) => {
                    RouteError::Invalid(rehearse_types::FormErrors::whole(m))
                }
                app::api::ApiError::NotFound => {
                    RouteError::NotFound("No such job description.".into())
                }
                app::api::ApiError::Internal(r) => RouteError::Internal(r),
                other => RouteError::BadRequest(other.to_string()),
            };
            failure(&headers, &session, &page, "jd_upload", "", "", route_error).await
        }
    }
}

/// The page the form was posted from, when it is a job description's page.
fn form_jd(headers: &HeaderMap) -> Option<String> {
    let referer = headers.get(axum::http::header::REFERER)?.to_str().ok()?;
    let path = referer.split_once("://").map(|(_, rest)| {
        rest.split_once('/')
            .map(|(_, p)| format!("/{p}"))
            .unwrap_or_default()
    })?;
    (path.starts_with("/admin/jds/") && !path.contains("..") && path.len() < 200).then_some(path)
}
