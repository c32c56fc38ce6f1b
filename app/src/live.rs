//! Following an interview live in the browser (hydrate only): an `EventSource` on
//! `/interviews/{id}/events`. Drafted tokens grow the draft; committed messages, pauses, failed turns and the
//! end reload the interview from the server, which stays the one source of truth. The browser
//! reconnects by itself after a drop and sends `Last-Event-ID`, so nothing is shown twice.

use leptos::prelude::*;

#[derive(serde::Deserialize)]
struct Text {
    text: String,
}

/// What a pause (`{"reason"}`) or a failed turn (`{"message"}`) tells the candidate.
#[derive(serde::Deserialize)]
struct Notice {
    #[serde(alias = "reason")]
    message: String,
}

/// Connects, and closes the connection when the calling reactive scope is cleaned up.
pub fn follow(
    id: &str,
    draft: RwSignal<String>,
    refresh: RwSignal<u32>,
    notice: RwSignal<Option<String>>,
) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    use web_sys::{EventSource, MessageEvent};

    let Ok(source) = EventSource::new(&format!("/interviews/{id}/events")) else {
        return;
    };
    let listen = |name: &str, handler: Box<dyn FnMut(String)>| {
        let mut handler = handler;
        let callback = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            if let Some(data) = e.data().as_string() {
                handler(data);
            }
        });
        let _ = source.add_event_listener_with_callback(name, callback.as_ref().unchecked_ref());
        callback.forget();
    };
    listen(
        "token",
        Box::new(move |data| {
            if let Ok(t) = serde_json::from_str::<Text>(&data) {
                draft.update(|d| d.push_str(&t.text));
            }
        }),
    );
    listen(
        "draft",
        Box::new(move |data| {
            if let Ok(t) = serde_json::from_str::<Text>(&data) {
                draft.set(t.text);
            }
        }),
    );
    // "open" fires on every reconnect too: what happened while disconnected (a reviewer's
    // decision has no event id to resume from) is picked up by reloading the transcript.
    let on_open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
        refresh.update(|n| *n += 1);
    });
    source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    on_open.forget();
    for name in ["message", "reviewed", "finished", "resync"] {
        listen(
            name,
            Box::new(move |_| {
                draft.set(String::new());
                refresh.update(|n| *n += 1);
            }),
        );
    }
    // A pause and a failed turn also say why, in the page's notice.
    for name in ["paused", "turn_failed"] {
        listen(
            name,
            Box::new(move |data| {
                draft.set(String::new());
                if let Ok(said) = serde_json::from_str::<Notice>(&data) {
                    notice.set(Some(said.message));
                }
                refresh.update(|n| *n += 1);
            }),
        );
    }
    let stored = StoredValue::new_local(source);
    on_cleanup(move || stored.with_value(|s| s.close()));
}
