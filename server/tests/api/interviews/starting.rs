//! Starting an interview: bad input refused, a focused start, a form posted without script.

use super::{send, start};
use crate::support::{assert_refused, json, Backend, TestApp};
use rehearse_testkit::both_backends;

async fn bad_interview_input_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = app.signed_up("quin@example.com").await;
    for (role, kind, difficulty) in [
        ("nope", "technical", "mid"),
        ("backend-rust", "poetry", "mid"),
        ("backend-rust", "technical", "godlike"),
    ] {
        let r = client
            .server_fn(
                "start_interview",
                &[("role", role), ("kind", kind), ("difficulty", difficulty)],
            )
            .await;
        assert_eq!(r.status(), 422, "{role}/{kind}/{difficulty}");
    }
    let id = start(&client).await;
    let long = "x".repeat(4001);
    for (text, key) in [("", "k1"), (long.as_str(), "k1"), ("fine", "")] {
        let r = send(&client, &id, text, key).await;
        assert_eq!(r.status(), 422, "{} chars, key {key:?}", text.len());
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM interview_messages WHERE author = 'candidate'")
            .await,
        0
    );
}
both_backends!(bad_interview_input_is_refused);

async fn a_focused_start_asks_only_about_that_competency(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let bo = app.signed_up("bo@example.com").await;
    let args = |focus: &'static str| {
        [
            ("role", "backend-rust"),
            ("kind", "technical"),
            ("difficulty", "mid"),
            ("focus", focus),
        ]
    };
    // The page's script opens the interview itself: a scripted start gets the id, no redirect.
    let started = bo
        .server_fn("start_interview", &args("Databases and data modelling"))
        .await;
    assert_eq!(started.status(), 200);
    assert!(started.headers().get("location").is_none());
    let id: String = serde_json::from_value(json(started).await).expect("id");
    let detail = json(bo.server_fn("interview_detail", &[("id", &id)]).await).await;
    let greeting = detail["messages"][0]["html"].as_str().unwrap_or_default();
    assert!(
        greeting.contains("I will ask one main question"),
        "{greeting}"
    );

    let refused = bo
        .server_fn("start_interview", &args("Machine learning"))
        .await;
    assert_refused(
        refused,
        422,
        "This role asks nothing about Machine learning",
    )
    .await;

    // A form posted without script is redirected to the new interview.
    let plain = bo
        .http
        .post(bo.url("/api/start_interview"))
        .header("accept", "text/html,application/xhtml+xml")
        .form(&[
            ("role", "backend-rust"),
            ("kind", "technical"),
            ("difficulty", "mid"),
        ])
        .send()
        .await
        .expect("POST");
    let location = plain
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        location.starts_with("/interviews/"),
        "{} {location}",
        plain.status()
    );
}
both_backends!(a_focused_start_asks_only_about_that_competency);
