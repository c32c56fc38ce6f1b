//! Usage quotas and a candidate's rights over their data: the daily interview quota, the
//! per-interview message quota, exporting one's own data, deleting one's account (with a
//! pseudonymous audit trail), and the retention purge of old traces.
//!
//! Longer than 400 lines on purpose: each right (export, erasure, correction) is a whole story over HTTP on both databases; split by scenario, each file would repeat them.

use crate::interviews::{start, wait_for};
use crate::support::{json, Backend, Client, TestApp, PASSWORD};
use rehearse_testkit::both_backends;
use std::time::Duration;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

async fn send(client: &Client, id: &str, text: &str, key: &str) -> reqwest::Response {
    client
        .server_fn("send_message", &[("id", id), ("text", text), ("key", key)])
        .await
}

/// Sends once the previous message's turn is complete (a send while it is pending is a 409
/// that stores nothing); returns the first answer that is not that 409.
async fn send_when_ready(client: &Client, id: &str, text: &str, key: &str) -> reqwest::Response {
    for _ in 0..600 {
        let response = send(client, id, text, key).await;
        if response.status() != 409 {
            return response;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the interviewer's turn never completed");
}

async fn user_id(client: &Client) -> String {
    json(client.server_fn("whoami", &[]).await).await["id"]
        .as_str()
        .expect("signed in")
        .to_owned()
}

/// Writes a finished trace row directly, as the gateway would have.
async fn insert_trace(
    app: &TestApp,
    id: &str,
    started_at: i64,
    user_id: Option<&str>,
    interview_id: Option<&str>,
    status: &str,
) {
    let pool = app.db().await;
    sqlx::query(
        "INSERT INTO model_calls (id, started_at, user_id, interview_id, step, provider, model, \
         request_json, output, status) \
         VALUES ($1, $2, $3, $4, 'question', 'scripted', 'test', $5, 'an output', $6)",
    )
    .bind(id)
    .bind(started_at)
    .bind(user_id)
    .bind(interview_id)
    .bind(r#"{"messages":[{"role":"user","content":"the candidate's answer"}]}"#)
    .bind(status)
    .execute(&pool)
    .await
    .expect("insert trace");
}

async fn the_daily_quota_refuses_one_start_too_many(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.quotas.interviews_per_day = 2).await;
    let ana = app.signed_up("ana@example.com").await;
    start(&ana).await;
    start(&ana).await;

    let refused = ana
        .server_fn(
            "start_interview",
            &[
                ("role", "backend-rust"),
                ("kind", "technical"),
                ("difficulty", "mid"),
            ],
        )
        .await;
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

async fn the_export_holds_the_candidates_data_and_nothing_of_anyone_else(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let dora = app.signed_up("dora@example.com").await;
    let eli = app.signed_up("eli@example.com").await;
    let dora_interview = start(&dora).await;
    let eli_interview = start(&eli).await;
    let dora_words = "Ready. My marker is alpha-7731.";
    let eli_words = "Ready. My marker is omega-9902.";
    assert_eq!(
        send(&dora, &dora_interview, dora_words, "d1")
            .await
            .status(),
        200
    );
    assert_eq!(
        send(&eli, &eli_interview, eli_words, "e1").await.status(),
        200
    );
    let dora_id = user_id(&dora).await;
    insert_trace(
        &app,
        "trace-dora",
        rehearse_db::now_ms(),
        Some(dora_id.as_str()),
        Some(dora_interview.as_str()),
        "ok",
    )
    .await;

    assert_eq!(app.client().get("/api/export_my_data").await.status(), 401);

    let response = dora.get("/api/export_my_data").await;
    assert_eq!(response.status(), 200);
    let disposition = response
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    let text = response.text().await.expect("body");
    let export: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(export["account"]["email"], "dora@example.com");
    assert_eq!(export["account"]["id"], dora_id.as_str());
    let interviews = export["interviews"].as_array().expect("interviews");
    assert_eq!(interviews.len(), 1);
    assert_eq!(interviews[0]["id"], dora_interview.as_str());
    let texts: Vec<&str> = interviews[0]["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|m| m["text"].as_str())
        .collect();
    assert!(texts.contains(&dora_words), "{texts:?}");
    let calls = export["model_calls"].as_array().expect("model calls");
    assert!(calls.iter().any(|c| c["id"] == "trace-dora"), "{calls:?}");
    assert!(
        !text.contains("the candidate's answer") && !text.contains("request_json"),
        "prompts stay out of the export"
    );
    for other in ["omega-9902", "eli@example.com", eli_interview.as_str()] {
        assert!(!text.contains(other), "another user's {other} leaked");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE kind = 'data_exported'")
            .await,
        1
    );

    let eli_export = eli
        .get("/api/export_my_data")
        .await
        .text()
        .await
        .expect("body");
    assert!(eli_export.contains("omega-9902"));
    assert!(!eli_export.contains("alpha-7731") && !eli_export.contains("dora@example.com"));
}
both_backends!(the_export_holds_the_candidates_data_and_nothing_of_anyone_else);

async fn deleting_the_account_erases_its_data_signs_it_out_and_keeps_a_pseudonymous_audit(
    backend: Backend,
) {
    let app = TestApp::spawn(backend).await;
    let fay = app.signed_up("fay@example.com").await;
    let gus = app.signed_up("gus@example.com").await;
    let interview = start(&fay).await;
    assert_eq!(send(&fay, &interview, "Ready.", "f1").await.status(), 200);
    wait_for(&fay, &interview, |d| {
        d["messages"].as_array().map(Vec::len) >= Some(3)
    })
    .await;
    let fay_id = user_id(&fay).await;
    let gus_id = user_id(&gus).await;
    let now = rehearse_db::now_ms();
    insert_trace(&app, "trace-fay", now, Some(fay_id.as_str()), None, "ok").await;
    insert_trace(
        &app,
        "trace-fay-interview",
        now,
        None,
        Some(interview.as_str()),
        "ok",
    )
    .await;
    insert_trace(&app, "trace-gus", now, Some(gus_id.as_str()), None, "ok").await;
    // A second browser signed in as fay.
    let other_browser = app.client();
    assert_eq!(
        other_browser
            .sign_in("fay@example.com", PASSWORD)
            .await
            .status(),
        200
    );

    let wrong = fay
        .server_fn("delete_my_account", &[("password", "not my password")])
        .await;
    assert_eq!(wrong.status(), 422);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE email = 'fay@example.com'")
            .await,
        1,
        "a wrong password deletes nothing"
    );

    let deleted = fay
        .server_fn("delete_my_account", &[("password", PASSWORD)])
        .await;
    assert_eq!(deleted.status(), 200);

    for (what, sql) in [
        (
            "the account",
            format!("SELECT COUNT(*) FROM users WHERE id = '{fay_id}'"),
        ),
        (
            "the interviews",
            format!("SELECT COUNT(*) FROM interviews WHERE user_id = '{fay_id}'"),
        ),
        (
            "the messages",
            format!("SELECT COUNT(*) FROM interview_messages WHERE interview_id = '{interview}'"),
        ),
        (
            "the traces",
            format!(
                "SELECT COUNT(*) FROM model_calls WHERE user_id = '{fay_id}' \
                 OR interview_id = '{interview}'"
            ),
        ),
        (
            "the pending jobs",
            format!(
                "SELECT COUNT(*) FROM jobs WHERE payload LIKE '%{interview}%' \
                 AND status IN ('queued', 'running')"
            ),
        ),
        (
            "the address in the audit log",
            "SELECT COUNT(*) FROM audit_events WHERE actor_email = 'fay@example.com' \
             OR subject_email = 'fay@example.com'"
                .to_owned(),
        ),
    ] {
        assert_eq!(app.count(&sql).await, 0, "{what} must be gone");
    }
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM model_calls WHERE user_id = '{gus_id}'"
        ))
        .await,
        1,
        "another user's traces stay"
    );

    // The audit log keeps its rows, under a pseudonym.
    let alias = format!("deleted user {}", &fay_id[..8]);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM audit_events WHERE kind = 'account_deleted' \
             AND actor_user_id = '{fay_id}' AND actor_email = '{alias}'"
        ))
        .await,
        1
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM audit_events WHERE kind = 'sign_up' \
             AND actor_user_id = '{fay_id}' AND actor_email = '{alias}'"
        ))
        .await,
        1,
        "the sign-up row is kept, pseudonymous"
    );
    // ... and stays append-only: only a pseudonym may replace an address.
    let pool = app.db().await;
    let forged = sqlx::query(
        "UPDATE audit_events SET actor_email = 'someone@example.com' WHERE kind = 'account_deleted'",
    )
    .execute(&pool)
    .await;
    assert!(forged.is_err(), "the audit log refuses other rewrites");
    let rewritten = sqlx::query("UPDATE audit_events SET detail = 'nothing happened'")
        .execute(&pool)
        .await;
    assert!(rewritten.is_err(), "the audit log refuses other rewrites");

    // Every session of the account has ended.
    for browser in [&fay, &other_browser] {
        let me = json(browser.server_fn("whoami", &[]).await).await;
        assert!(me.is_null(), "signed out: {me}");
        assert_eq!(browser.get("/home").await.status(), 303);
    }
    assert_eq!(
        app.client()
            .sign_in("fay@example.com", PASSWORD)
            .await
            .status(),
        401
    );
    // Nobody else's account is touched.
    let me = json(gus.server_fn("whoami", &[]).await).await;
    assert_eq!(me["email"], "gus@example.com");
}
both_backends!(deleting_the_account_erases_its_data_signs_it_out_and_keeps_a_pseudonymous_audit);

async fn the_retention_purge_deletes_old_traces_and_keeps_recent_ones(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.retention.trace_days = 30).await;
    let now = rehearse_db::now_ms();
    insert_trace(&app, "old", now - 31 * DAY_MS, None, None, "ok").await;
    insert_trace(&app, "old-error", now - 400 * DAY_MS, None, None, "error").await;
    insert_trace(
        &app,
        "old-running",
        now - 31 * DAY_MS,
        None,
        None,
        "running",
    )
    .await;
    insert_trace(&app, "recent", now - 29 * DAY_MS, None, None, "ok").await;
    insert_trace(&app, "fresh", now, None, None, "ok").await;

    let db = rehearse_db::Db::connect(&app.db_url)
        .await
        .expect("connect");
    let traces = rehearse_llm::trace::TraceStore::new(&db);
    assert_eq!(traces.purge_older_than(30).await.expect("purge"), 2);
    let mut kept: Vec<String> = traces
        .list(None, 100)
        .await
        .expect("list")
        .into_iter()
        .map(|t| t.id)
        .collect();
    kept.sort();
    assert_eq!(kept, ["fresh", "old-running", "recent"]);
    assert_eq!(traces.purge_older_than(30).await.expect("again"), 0);
    db.close().await;
}
both_backends!(the_retention_purge_deletes_old_traces_and_keeps_recent_ones);
