//! Sending messages over HTTP with Stripe's idempotency semantics, and many candidates at once
//! on the embedded database.

use crate::interviews::{send, start, wait_for};
use crate::support::{json, Backend, TestApp};
use rehearse_llm::scripted::{Script, ScriptedModel, Step};
use rehearse_testkit::both_backends;
use std::sync::Arc;
use std::time::Duration;

async fn sends_are_idempotent_and_a_busy_interview_stores_nothing(backend: Backend) {
    // The interviewer takes a while to phrase its first question, so the turn stays pending
    // while the test sends.
    let slow = ScriptedModel::new(vec![Script {
        steps: vec![
            Step::Pause(Duration::from_secs(6)),
            Step::Token("Could you tell me about that?".into()),
        ],
        usage: None,
    }]);
    let app = TestApp::spawn_with_model(backend, |_| {}, Arc::new(slow)).await;
    let candidate = app.signed_up("ida@example.com").await;
    let id = start(&candidate).await;

    let first = send(&candidate, &id, "Ready.", "key-1").await;
    assert_eq!(first.status(), 200);
    let stored = json(first).await;

    // The same key and text, four times at once: the same message every time.
    let resends =
        futures::future::join_all((0..4).map(|_| send(&candidate, &id, "Ready.", "key-1"))).await;
    for response in resends {
        assert_eq!(response.status(), 200);
        assert_eq!(json(response).await["id"], stored["id"]);
    }

    // The same key with another text: refused, nothing stored.
    let reused = send(&candidate, &id, "Something else.", "key-1").await;
    assert_eq!(reused.status(), 422);

    // A new message while the turn is pending: 409 with Retry-After, nothing stored.
    let busy = send(&candidate, &id, "Are you there?", "key-2").await;
    assert_eq!(busy.status(), 409);
    assert!(busy.headers().contains_key("retry-after"));
    let candidate_messages = "SELECT COUNT(*) FROM interview_messages WHERE author = 'candidate'";
    assert_eq!(app.count(candidate_messages).await, 1);

    // Once the interviewer has answered, the same message goes through.
    wait_for(&candidate, &id, |d| {
        d["messages"].as_array().map(Vec::len) == Some(3)
    })
    .await;
    assert_eq!(
        send(&candidate, &id, "Are you there?", "key-2")
            .await
            .status(),
        200
    );
    assert_eq!(app.count(candidate_messages).await, 2);
}
both_backends!(sends_are_idempotent_and_a_busy_interview_stores_nothing);

/// Twenty candidates start an interview and answer at once: no request fails, and every one
/// gets the interviewer's first question. (The `load-turns` command runs the same at 200.)
async fn twenty_candidates_at_once_get_no_errors(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let candidates = futures::future::join_all((0..20).map(|i| {
        let app = &app;
        async move { app.signed_up(&format!("crowd{i}@example.com")).await }
    }))
    .await;
    let ids = futures::future::join_all(candidates.iter().map(start)).await;
    let sent = futures::future::join_all(
        candidates
            .iter()
            .zip(&ids)
            .map(|(c, id)| send(c, id, "Ready.", "crowd-1")),
    )
    .await;
    for response in sent {
        assert_eq!(response.status(), 200, "{:?}", response.text().await);
    }
    for (candidate, id) in candidates.iter().zip(&ids) {
        wait_for(candidate, id, |d| {
            d["messages"].as_array().map(Vec::len) == Some(3)
        })
        .await;
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM interview_messages").await,
        60
    );
}
both_backends!(twenty_candidates_at_once_get_no_errors);
