//! Interviews over HTTP: starting, the live event stream and its resumption, who may see or
//! write in an interview, and what admins steer (cost ceilings, traces, prompt versions). The
//! helpers here start an interview and wait for its state; other API tests use them too.

use crate::support::{json, Client};
use std::time::Duration;

mod access;
mod admin_controls;
mod live;
mod starting;

pub async fn start(client: &Client) -> String {
    let response = client
        .server_fn(
            "start_interview",
            &[
                ("role", "backend-rust"),
                ("kind", "technical"),
                ("difficulty", "mid"),
            ],
        )
        .await;
    let status = response.status();
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = response.text().await.unwrap_or_default();
    match location {
        Some(l) => l.trim_start_matches("/interviews/").to_owned(),
        None => {
            assert!(status.is_success(), "start failed: {status} {body}");
            serde_json::from_str::<String>(&body).expect("id")
        }
    }
}

pub async fn wait_for(
    client: &Client,
    id: &str,
    ready: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    for _ in 0..600 {
        let detail = json(client.server_fn("interview_detail", &[("id", id)]).await).await;
        if ready(&detail) {
            return detail;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the interview never reached the expected state");
}
