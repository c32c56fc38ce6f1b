//! Usage quotas and a candidate's rights over their data: the daily interview quota, the
//! per-interview message quota, exporting one's own data, deleting one's account (with a
//! pseudonymous audit trail), and the retention purge of old traces. The helpers here (sending a
//! message, the signed-in user's id, a trace row written as the gateway would) are shared by the
//! scenario modules.

use crate::interviews::send;
use crate::support::{json, Client, TestApp};
use std::time::Duration;

mod account_deletion;
mod export;
mod quotas;
mod retention;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

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
