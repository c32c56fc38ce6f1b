//! Stop cancels the model's reply, before or after its first token; the built question is asked.

use crate::common::*;
use crate::BUILT_RUST_QUESTION;
use rehearse_interview::live::LiveEvent;
use rehearse_llm::testing::{late_reply, trickle};
use rehearse_testkit::{both_backends, Backend};
use std::time::Duration;

async fn stop_cancels_the_reply_and_the_built_question_is_posted(backend: Backend) {
    let (t, model, service) =
        scripted_service(backend, vec![trickle("w", 400, Duration::from_millis(10))]).await;
    let id = start(&service).await;
    let (_, mut events) = service.live().subscribe(&id);
    let runner = stop_once_the_model_is_called(&service, &model, &id).await;
    runner.await.expect("the turn ended");
    while let Ok(event) = events.try_recv() {
        if let LiveEvent::Token { text } = event {
            assert!(!text.contains("w0"), "a stopped draft is never shown");
        }
    }
    assert_last_message_starts(&service, &id, BUILT_RUST_QUESTION).await;
    let rows = sqlx::query("SELECT status, output FROM model_calls")
        .fetch_all(t.db.pool())
        .await
        .expect("traces");
    let status: String = sqlx::Row::try_get(&rows[0], "status").expect("status");
    let output: String = sqlx::Row::try_get(&rows[0], "output").expect("output");
    assert_eq!(status, "cancelled");
    assert!(!output.contains("w399"), "generation stopped early");
}
both_backends!(stop_cancels_the_reply_and_the_built_question_is_posted);

/// A provider that never sends a first token: Stop ends the call at once instead of the
/// first-token deadline doing so. Told apart by the trace, not by time: a call the deadline
/// ended says `timeout`, one Stop ended says `cancelled`; nothing is charged either way.
async fn stop_works_before_the_first_token(backend: Backend) {
    let (t, model, service) =
        scripted_service(backend, vec![late_reply(Duration::from_secs(600), "never")]).await;
    let id = start(&service).await;
    let runner = stop_once_the_model_is_called(&service, &model, &id).await;
    // A guard against a hang only; the trace's status below is the assertion.
    tokio::time::timeout(Duration::from_secs(15), runner)
        .await
        .expect("Stop ended the turn without waiting for the first token")
        .expect("the turn ended");
    assert_last_message_starts(&service, &id, BUILT_RUST_QUESTION).await;
    // The trace is completed in the background once the call is dropped.
    let mut status = String::new();
    for _ in 0..200 {
        status = call_status(&t).await;
        if status != "running" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(status, "cancelled");
    let charged: Option<i64> = sqlx::Row::try_get(
        &sqlx::query("SELECT charged_nanos FROM spend")
            .fetch_one(t.db.pool())
            .await
            .expect("spend"),
        "charged_nanos",
    )
    .expect("charged");
    assert_eq!(
        charged,
        Some(0),
        "nothing is charged for a reply never received"
    );
}
both_backends!(stop_works_before_the_first_token);
