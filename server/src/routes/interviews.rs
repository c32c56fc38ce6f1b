//! The live stream of an interview, as server-sent events.
//!
//! On connect the browser gets every committed message after the `Last-Event-ID` it sends
//! (browsers send it by themselves when they reconnect), then the reply being drafted so far,
//! then live events. Message events carry their sequence number as the event id and are never
//! sent twice on one connection, so a dropped connection resumes without duplicated text.

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
use futures::StreamExt;
use rehearse_auth::{policy, AccessError};
use rehearse_interview::live::LiveEvent;
use std::convert::Infallible;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tokio_stream::wrappers::BroadcastStream;
use tower_sessions::Session;

pub fn router() -> Router<AppState> {
    Router::new().route("/interviews/{id}/events", get(events))
}

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
        Err(e) => return RouteError::internal(e).into_response(),
    };
    let interview = match state.interviews.store().get(&id).await {
        Ok(Some(i)) => i,
        Ok(None) => return RouteError::NotFound("No such interview.".into()).into_response(),
        Err(e) => return RouteError::internal(e).into_response(),
    };
    match policy::require_owner_or(actor.as_ref(), &interview.user_id, policy::STAFF) {
        Ok(_) => {}
        Err(AccessError::Unauthenticated) => {
            return RouteError::Unauthorized("Sign in to continue.".into()).into_response()
        }
        Err(AccessError::Forbidden) => {
            return RouteError::Forbidden("This interview is not yours.".into()).into_response()
        }
    }
    let after: i64 = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);

    // Subscribe before reading the stored messages, so nothing committed in between is missed;
    // `sent` drops what would arrive twice.
    let (draft, receiver) = state.interviews.live().subscribe(&id);
    let stored = match state.interviews.store().messages(&id).await {
        Ok(m) => m,
        Err(e) => return RouteError::internal(e).into_response(),
    };
    let sent = Arc::new(AtomicI64::new(after));
    let mut first: Vec<Event> = Vec::new();
    for message in stored.into_iter().filter(|m| m.seq > after) {
        sent.store(message.seq, Ordering::SeqCst);
        let seq = message.seq;
        first.push(json_event("message", &message_view(message)).id(seq.to_string()));
    }
    if !draft.is_empty() {
        first.push(json_event("draft", &serde_json::json!({ "text": draft })));
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
    let stream = futures::stream::iter(first)
        .chain(live)
        .map(Ok::<Event, Infallible>);
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}
