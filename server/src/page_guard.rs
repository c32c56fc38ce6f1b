//! Which pages need which roles. Unauthenticated visitors are sent to sign in; signed-in users
//! without the role get 403. The decision is the shared policy (`rehearse_auth::policy`); the
//! data behind each page is protected again by its server functions.

use app::server::guard::actor_from_session;
use app::server::state::AppState;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use rehearse_auth::{policy, AccessError};
use rehearse_types::Role;
use tower_sessions::Session;

/// Path prefixes and the roles they admit.
const GUARDED: &[(&str, &[Role])] = &[
    ("/account", policy::ANY_ROLE),
    ("/admin", policy::ADMIN),
    ("/home", policy::ANY_ROLE),
    ("/interviews", policy::ANY_ROLE),
    ("/review", policy::STAFF),
];

fn required_roles(path: &str) -> Option<&'static [Role]> {
    GUARDED
        .iter()
        .find(|(prefix, _)| path == *prefix || path.starts_with(&format!("{prefix}/")))
        .map(|(_, roles)| *roles)
}

pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(allowed) = required_roles(request.uri().path()) else {
        return next.run(request).await;
    };
    let Some(session) = request.extensions().get::<Session>().cloned() else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let actor = match actor_from_session(&session, &state.accounts).await {
        Ok(actor) => actor,
        Err(e) => return app::server::errors::RouteError::from(e).into_response(),
    };
    match policy::require_role(actor.as_ref(), allowed) {
        Ok(_) => next.run(request).await,
        Err(AccessError::Unauthenticated) => {
            let next_path = request
                .uri()
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            let target = format!(
                "/login?next={}",
                url::form_urlencoded::byte_serialize(next_path.as_bytes()).collect::<String>()
            );
            Redirect::to(&target).into_response()
        }
        Err(AccessError::Forbidden) => {
            (StatusCode::FORBIDDEN, Html(FORBIDDEN_PAGE)).into_response()
        }
    }
}

const FORBIDDEN_PAGE: &str = r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>No access · Rehearse</title>
<link rel="stylesheet" href="/pkg/rehearse.css"></head>
<body class="min-h-screen bg-slate-50 text-slate-900"><main class="mx-auto max-w-xl px-4 py-16">
<h1 class="text-2xl font-semibold" data-testid="forbidden">You do not have access to this page</h1>
<p class="mt-2 text-slate-600">Your role does not include it. <a class="text-indigo-700 underline" href="/home">Go to your home page</a>.</p>
</main></body></html>"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_match_whole_segments() {
        assert_eq!(required_roles("/admin/users"), Some(policy::ADMIN));
        assert_eq!(required_roles("/admin"), Some(policy::ADMIN));
        assert_eq!(required_roles("/administrator"), None);
        assert_eq!(required_roles("/home"), Some(policy::ANY_ROLE));
        assert_eq!(required_roles("/login"), None);
        assert_eq!(required_roles("/review/abc"), Some(policy::STAFF));
        assert_eq!(required_roles("/reviews"), None);
        assert_eq!(required_roles("/account/sessions"), Some(policy::ANY_ROLE));
    }
}
