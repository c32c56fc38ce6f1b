//! Usage quotas: one interview start too many in a day, and one message too many in an
//! interview, are refused with a reason and store nothing.

use super::{send, send_when_ready, DAY_MS};
use crate::interviews::{start, try_start};
use crate::support::{Backend, TestApp};
use rehearse_testkit::both_backends;

async fn the_daily_quota_refuses_one_start_too_many(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.quotas.interviews_per_day = 2).await;
    let ana = app.signed_up("ana@example.com").await;
    start(&ana).await;
    start(&ana).await;

    let refused = try_start(&ana).await;
    assert_eq!(refused.status(), 429);
    let wait: u64 = refused
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After in seconds");
    assert!((1..=86_400).contains(&wait), "until midnight UTC: {wait}");
    let body = refused.text().await.unwrap_or_default();
    assert!(body.contains("2 interviews today"), "{body}");
    assert!(body.contains("midnight UTC"), "{body}");
    assert_eq!(app.count("SELECT COUNT(*) FROM interviews").await, 2);

    // Yesterday's interviews do not count: today's quota is free again once they are old.
    let pool = app.db().await;
    sqlx::query("UPDATE interviews SET created_at = created_at - $1")
        .bind(DAY_MS)
        .execute(&pool)
        .await
        .expect("age the interviews");
    start(&ana).await;

    // The quota is per person.
    let ben = app.signed_up("ben@example.com").await;
    start(&ben).await;
}
both_backends!(the_daily_quota_refuses_one_start_too_many);

async fn the_message_quota_refuses_one_message_too_many_and_stores_nothing(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.quotas.messages_per_interview = 2).await;
    let cleo = app.signed_up("cleo@example.com").await;
    let id = start(&cleo).await;
    assert_eq!(send(&cleo, &id, "Ready.", "k1").await.status(), 200);
    let second = "I built a payment service in Rust with Tokio and PostgreSQL.";
    assert_eq!(
        send_when_ready(&cleo, &id, second, "k2").await.status(),
        200
    );

    let refused = send_when_ready(&cleo, &id, "One more thing.", "k3").await;
    assert_eq!(refused.status(), 403);
    let body = refused.text().await.unwrap_or_default();
    assert!(body.contains("limit of 2 messages"), "{body}");
    assert!(body.contains("Start a new interview"), "{body}");
    let candidate_messages = format!(
        "SELECT COUNT(*) FROM interview_messages WHERE interview_id = '{id}' AND author = 'candidate'"
    );
    assert_eq!(app.count(&candidate_messages).await, 2, "nothing stored");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM interview_messages WHERE interview_id = '{id}' AND content = 'One more thing.'"
        ))
        .await,
        0
    );

    // A resend of a message already stored is not a new message: it is given back.
    let resent = send(&cleo, &id, second, "k2").await;
    assert_eq!(resent.status(), 200);
    assert_eq!(app.count(&candidate_messages).await, 2);
}
both_backends!(the_message_quota_refuses_one_message_too_many_and_stores_nothing);
