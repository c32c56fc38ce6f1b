//! A page render that cannot finish answers 503 within the configured deadline instead of
//! holding the connection. Its own test binary, because it stalls renders process-wide: it
//! holds leptos' resource-suppression flag (the cause of issue #4773) while it asks for a page.

#[allow(dead_code)]
#[path = "api/support.rs"]
mod support;

use support::{Backend, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stuck_render_answers_503_and_other_routes_are_not_held_to_it() {
    let app = TestApp::spawn_with(Backend::Sqlite, |s| s.render_timeout_secs = 1).await;
    let client = app.browser();
    // Before the stall the page renders normally.
    assert_eq!(client.get("/signup").await.status(), 200);
    let stall = leptos::server::SuppressResourceLoad::new();
    let response = client.get("/signup").await;
    assert_eq!(response.status(), 503);
    assert_eq!(
        response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("1")
    );
    let body = response.text().await.expect("body");
    assert!(body.contains("took too long to load"), "{body}");
    // Routes outside the pages are not held to the render deadline.
    let health = client.get("/healthz").await;
    assert_eq!(health.status(), 200);
    drop(stall);
    assert_eq!(client.get("/signup").await.status(), 200);
}
