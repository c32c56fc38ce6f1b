//! Exporting one's own data: the candidate's account, interviews and traces, without prompts,
//! and nothing of anyone else's.

use super::{insert_trace, send, user_id};
use crate::interviews::start;
use crate::support::{Backend, TestApp};
use rehearse_testkit::both_backends;

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
