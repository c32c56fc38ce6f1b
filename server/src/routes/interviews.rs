//! The live stream of an interview, as server-sent events.
//!
//! On connect the browser gets every committed message after the `Last-Event-ID` it sends
//! (browsers send it by themselves when they reconnect) and the reply being drafted so far, in
//! the order [`opening`] decides (the draft before any message committed since it began, so a
//! reconnect never keeps a stale draft), then live events. Message events carry their sequence
//! number as the event id and are never sent twice on one connection, so a dropped connection
//! resumes without duplicated text.
//!
//! Each user holds at most `limits.streams_per_user` streams (one more answers 429), and a
//! stream ends after `limits.stream_max_secs`, when the browser reconnects and resumes. When a
//! stream closes, its slot is given back and the live hub forgets the interview if nobody else
//! follows it and no turn runs.

use app::server::errors::RouteError;
use app::server::guard::actor_from_session;
use app::server::interviews::message_view;
use app::server::state::AppState;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures::{Stream, StreamExt};
use rehearse_auth::{policy, AccessError};
use rehearse_interview::live::{opening, LiveEvent, Opening};
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tokio_stream::wrappers::BroadcastStream;
use tower_sessions::Session;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/interviews/{id}/events", get(events))
        .route("/interviews/{id}/report.pdf", get(report_pdf))
}

/// The feedback report as a PDF download, for the interview's owner and staff (the same check
/// as the report page, through the same server-side view).
async fn report_pdf(
    State(state): State<AppState>,
    Path(id): Path<String>,
    session: Session,
) -> Response {
    use app::api::ApiError;
    let actor = match actor_from_session(&session, &state.accounts).await {
        Ok(Some(a)) => a,
        Ok(None) => return RouteError::Unauthorized("Sign in to continue.".into()).into_response(),
        Err(e) => return RouteError::from(e).into_response(),
    };
    let caller = app::server::guard::Caller {
        state,
        actor,
        ip: None,
    };
    let view = match app::server::interviews::detail(&caller, &id).await {
        Ok(view) => view,
        Err(ApiError::NotFound) => {
            return RouteError::NotFound("No such interview.".into()).into_response()
        }
        Err(ApiError::Forbidden) => {
            return RouteError::Forbidden("This interview is not yours.".into()).into_response()
        }
        Err(e) => return RouteError::from(e).into_response(),
    };
    match crate::report_pdf::render(&view) {
        Some(pdf) => (
            [
                (
                    axum::http::header::CONTENT_TYPE,
                    "application/pdf".to_owned(),
                ),
                (
                    axum::http::header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"rehearse-report-{id}.pdf\""),
                ),
            ],
            pdf,
        )
            .into_response(),
        None => RouteError::NotFound("This interview has no report yet.".into()).into_response(),
    }
}

/// When a user over their stream cap is told to try again (a slot frees when a stream closes).
const STREAM_RETRY_AFTER: Duration = Duration::from_secs(10);

fn json_event(name: &str, value: &impl serde::Serialize) -> Event {
    Event::default()
        .event(name)
        .data(serde_json::to_string(value).unwrap_or_else(|_| "{}".into()))
}

async fn events(
    State(state): State<AppState>,
    Path(id): Path<String>,
    session: Session,
    headers: HeaderMap,
) -> Response {
    let actor = match actor_from_session(&session, &state.accounts).await {
        Ok(a) => a,
        Err(e) => return RouteError::from(e).into_response(),
    };
    let interview = match state.interviews.store().get(&id).await {
        Ok(Some(i)) => i,
        Ok(None) => return RouteError::NotFound("No such interview.".into()).into_response(),
        Err(e) => return RouteError::from(e).into_response(),
    };
    let allowed = policy::require_owner_or(actor.as_ref(), &interview.user_id, policy::STAFF);
    let viewer = match allowed {
        Ok(actor) => actor.user_id.clone(),
        Err(AccessError::Unauthenticated) => {
            return RouteError::Unauthorized("Sign in to continue.".into()).into_response()
        }
        Err(AccessError::Forbidden) => {
            return RouteError::Forbidden("This interview is not yours.".into()).into_response()
        }
    };
    // Each stream holds a connection and a hub subscription: one user gets a few, not many.
    let Some(slot) = state.limits.open_stream(&viewer) else {
        return RouteError::Limited(
            "Too many live streams are open for this account; close one and try again.".into(),
            STREAM_RETRY_AFTER,
        )
        .into_response();
    };
    let after: i64 = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);

    // Subscribe before reading the stored messages, so nothing committed in between is missed;
    // `sent` drops what would arrive twice.
    let (draft, receiver, follower) = state.interviews.live().follow(&id);
    let stored = match state.interviews.store().messages(&id).await {
        Ok(m) => m,
        Err(e) => {
            // The receiver goes before the follower, so the hub may forget the interview.
            drop(receiver);
            drop(follower);
            return RouteError::from(e).into_response();
        }
    };
    let sent = Arc::new(AtomicI64::new(after));
    let mut first: Vec<Event> = Vec::new();
    for item in opening(after, stored, draft) {
        match item {
            Opening::Message(message) => {
                let seq = message.seq;
                sent.fetch_max(seq, Ordering::SeqCst);
                first.push(json_event("message", &message_view(message)).id(seq.to_string()));
            }
            Opening::Draft(text) => {
                first.push(json_event("draft", &serde_json::json!({ "text": text })));
            }
        }
    }
    let live = BroadcastStream::new(receiver).filter_map(move |event| {
        let sent = sent.clone();
        async move {
            match event {
                Ok(LiveEvent::Token { text }) => {
                    Some(json_event("token", &serde_json::json!({ "text": text })))
                }
                Ok(LiveEvent::Message { message }) => {
                    let seq = message.seq;
                    if sent.fetch_max(seq, Ordering::SeqCst) >= seq {
                        return None;
                    }
                    Some(json_event("message", &message_view(message)).id(seq.to_string()))
                }
                Ok(LiveEvent::Paused { reason }) => Some(json_event(
                    "paused",
                    &serde_json::json!({ "reason": reason }),
                )),
                Ok(LiveEvent::Finished) => Some(json_event("finished", &serde_json::json!({}))),
                Ok(LiveEvent::Reviewed { message }) => {
                    Some(json_event("reviewed", &message_view(message)))
                }
                Ok(LiveEvent::TurnFailed { retrying, message }) => Some(json_event(
                    "turn_failed",
                    &serde_json::json!({ "retrying": retrying, "message": message }),
                )),
                // Fell behind the bounded channel: tell the page to reload what it shows.
                Err(BroadcastStreamRecvError::Lagged(_)) => {
                    Some(json_event("resync", &serde_json::json!({})))
                }
            }
        }
    });
    // Past its lifetime the stream ends; the browser reconnects and resumes from its last id.
    let stream = futures::stream::iter(first)
        .chain(live)
        .take_until(tokio::time::sleep(state.limits.stream_lifetime()))
        .map(Ok::<Event, Infallible>);
    let stream = Guarded {
        stream: Box::pin(stream),
        _guards: (follower, slot),
    };
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// A stream that holds `_guards` until it is dropped itself (the browser went away or the
/// stream ended). Fields drop in declaration order: the stream, with the hub receiver inside,
/// goes before the guards that check whether anyone still follows.
struct Guarded<S, G> {
    stream: Pin<Box<S>>,
    _guards: G,
}

impl<S: Stream, G: Unpin> Stream for Guarded<S, G> {
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        self.get_mut().stream.as_mut().poll_next(cx)
    }
}
