//! Admission to sign-up: a throttle per client IP (429 with `Retry-After`, shown on the form to
//! browsers) and a bound on sign-ups hashing at once (a short line, then 503 with
//! `Retry-After`). A refused sign-up writes nothing.

use crate::support::{html, json, Backend, TestApp, PASSWORD};
use rehearse_testkit::both_backends;

fn retry_after(response: &reqwest::Response) -> u64 {
    response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After header")
}

async fn sign_ups_are_throttled_per_address(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        s.signup.attempts_per_ip = 3;
        s.signup.window_secs = 3600;
    })
    .await;
    // Every attempt counts, a refused one too: each may cost a password hash.
    assert_eq!(
        app.client()
            .sign_up("not-an-email", PASSWORD)
            .await
            .status(),
        422
    );
    assert_eq!(
        app.client()
            .sign_up("ann@example.com", PASSWORD)
            .await
            .status(),
        202
    );
    assert_eq!(
        app.client()
            .sign_up("bea@example.com", PASSWORD)
            .await
            .status(),
        202
    );

    let refused = app.client().sign_up("cleo@example.com", PASSWORD).await;
    assert_eq!(refused.status(), 429);
    let wait = retry_after(&refused);
    assert!(
        (60..=3600).contains(&wait),
        "one attempt comes back every 20 minutes here, not {wait} s"
    );
    let body = json(refused).await;
    assert_eq!(body["error"], "throttled");
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with("Too many sign-ups from your network. Try again in"),
        "{body}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE email = 'cleo@example.com'")
            .await,
        0
    );

    // A browser is sent back to the form, which says why.
    let browser = app.browser();
    let redirected = browser.sign_up("dora@example.com", PASSWORD).await;
    assert_eq!(redirected.status(), 303);
    assert_eq!(redirected.headers()["location"], "/signup");
    let form = html(browser.get("/signup").await).await;
    assert!(
        form.contains("Too many sign-ups from your network"),
        "the refusal is shown on the form"
    );

    // Signing in is another matter.
    assert_eq!(
        app.client()
            .sign_in("ann@example.com", PASSWORD)
            .await
            .status(),
        200
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 2);
}
both_backends!(sign_ups_are_throttled_per_address);

async fn sign_ups_past_the_hashing_bound_are_shed_with_503(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        s.signup.max_concurrent = 1;
        s.signup.queue_wait_ms = 0;
    })
    .await;
    let clients: Vec<_> = (0..8).map(|_| app.client()).collect();
    // Eight at once with room for one and no line: each holds its slot for at least one
    // argon2id hash, so the others arrive while it is taken.
    let responses = futures::future::join_all(clients.iter().enumerate().map(|(i, c)| {
        let email = format!("rush{i}@example.com");
        async move { c.sign_up(&email, PASSWORD).await }
    }))
    .await;
    let (mut created, mut shed) = (0, 0);
    for response in responses {
        match response.status().as_u16() {
            202 => created += 1,
            503 => {
                shed += 1;
                assert!(retry_after(&response) >= 1);
                assert_eq!(json(response).await["error"], "busy");
            }
            other => panic!("unexpected status {other}"),
        }
    }
    assert!(created >= 1, "the first sign-up goes through");
    assert!(
        shed >= 1,
        "sign-ups beyond the bound are shed, not queued without end"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, created);
}
both_backends!(sign_ups_past_the_hashing_bound_are_shed_with_503);

async fn a_burst_within_the_wait_queues_and_all_succeed(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        s.signup.max_concurrent = 1;
        s.signup.queue_wait_ms = 60_000;
    })
    .await;
    let clients: Vec<_> = (0..4).map(|_| app.client()).collect();
    let responses = futures::future::join_all(clients.iter().enumerate().map(|(i, c)| {
        let email = format!("line{i}@example.com");
        async move { c.sign_up(&email, PASSWORD).await.status().as_u16() }
    }))
    .await;
    assert_eq!(responses, vec![202; 4], "one at a time, every one in turn");
}
both_backends!(a_burst_within_the_wait_queues_and_all_succeed);
