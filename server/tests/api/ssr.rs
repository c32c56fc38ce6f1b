//! Server rendering never hangs while route lists are generated (leptos issue #4773).
//!
//! Generating a route list renders the app with a process-wide flag that makes every resource
//! started meanwhile wait forever. The server builds its list once per process
//! ([`server::startup::page_routes`]); this test renders pages from several clients while
//! more servers are built and the list is asked for again, which on a server that regenerates
//! the list per router leaves some page request unanswered. Every request carries a timeout,
//! so a regression fails here instead of hanging the suite.

use crate::support::{Backend, TestApp};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

const PAGES: &[&str] = &["/", "/signup", "/login"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_render_while_route_lists_are_built() {
    let app = TestApp::spawn_with(Backend::Sqlite, |s| s.render_timeout_secs = 20).await;
    let stop = Arc::new(AtomicBool::new(false));
    let mut renderers = Vec::new();
    for worker in 0..3 {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(25))
            .build()
            .expect("client");
        let base = app.base.clone();
        let stop = stop.clone();
        renderers.push(tokio::spawn(async move {
            let mut rendered = 0usize;
            let mut i = worker;
            while !stop.load(Ordering::Relaxed) {
                let path = PAGES[i % PAGES.len()];
                i += 1;
                let response = client
                    .get(format!("{base}{path}"))
                    .header("accept", "text/html")
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("GET {path} did not answer: {e}"));
                assert_eq!(response.status(), 200, "GET {path}");
                response.text().await.expect("body");
                rendered += 1;
            }
            rendered
        }));
    }
    // Routers built while pages render, as the test suite does with one server per test.
    for _ in 0..6 {
        let _other = TestApp::spawn(Backend::Sqlite).await;
        for _ in 0..20 {
            assert!(!server::startup::page_routes().is_empty());
            tokio::task::yield_now().await;
        }
    }
    stop.store(true, Ordering::Relaxed);
    let mut total = 0;
    for r in renderers {
        total += r.await.expect("renderer finished");
    }
    assert!(total >= 3, "pages were rendered meanwhile ({total})");
}
