//! Admission limits over HTTP: sending messages and starting interviews faster than the quota
//! answers 429 with Retry-After and stores nothing; live streams are capped per user and end
//! after their lifetime. (The rest of the suite runs with the rate limits off; these turn them
//! on. The order of the draft and the replay on reconnect is unit-tested with the live hub: a
//! phrasing is published only once accepted, just before its commit, and that moment cannot be
//! held from outside the process. The hub letting an interview go is in `interviews/live.rs`.)

use crate::interviews::{connect, reconnect, send, start, try_start};
use crate::support::{Backend, TestApp};
use futures::StreamExt;
use rehearse_testkit::both_backends;
use std::time::{Duration, Instant};

/// The `Retry-After` of a refusal, in seconds.
fn retry_after(response: &reqwest::Response) -> u64 {
    response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .expect("Retry-After in seconds")
}

/// Asserts a send was refused as too quick, with the wait the page shows; returns the wait in
/// seconds.
async fn refused_send(refused: reqwest::Response) -> u64 {
    assert_eq!(refused.status(), 429);
    let wait = retry_after(&refused);
    let body = refused.text().await.unwrap_or_default();
    assert!(
        body.contains(&format!(
            "You're sending messages quickly; try again in {wait} s."
        )),
        "the page can show the wait: {body}"
    );
    wait
}

async fn sending_faster_than_the_quota_gets_429_and_stores_nothing(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        s.limits.enabled = true;
        s.limits.send_per_minute = 1;
        s.limits.send_burst = 2;
    })
    .await;
    let candidate = app.signed_up("rita@example.com").await;
    let id = start(&candidate).await;

    assert_eq!(send(&candidate, &id, "Ready.", "key-1").await.status(), 200);
    // A resend of the same message (a browser retrying) is a request like any other.
    assert_eq!(send(&candidate, &id, "Ready.", "key-1").await.status(), 200);

    let wait = refused_send(send(&candidate, &id, "My next answer.", "key-2").await).await;
    assert!((1..=60).contains(&wait), "one message a minute: {wait} s");
    let candidate_messages = "SELECT COUNT(*) FROM interview_messages WHERE author = 'candidate'";
    assert_eq!(app.count(candidate_messages).await, 1, "nothing stored");

    // The limit is the candidate's own: someone else sends as usual.
    let other = app.signed_up("sam@example.com").await;
    let other_id = start(&other).await;
    assert_eq!(
        send(&other, &other_id, "Ready.", "key-1").await.status(),
        200
    );
    assert_eq!(app.count(candidate_messages).await, 2);
}
both_backends!(sending_faster_than_the_quota_gets_429_and_stores_nothing);

/// Sends are limited per address too, more loosely than per person (an office behind one
/// address): two people whose own limits are far off share the address's burst, and once it is
/// spent either is refused, with nothing stored.
async fn sends_from_one_address_share_its_limit(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        s.limits.enabled = true;
        s.limits.send_per_minute = 600;
        s.limits.send_burst = 100;
        s.limits.send_per_minute_per_ip = 1;
        s.limits.send_burst_per_ip = 3;
    })
    .await;
    let ann = app.signed_up("ann@example.com").await;
    let ann_id = start(&ann).await;
    assert_eq!(send(&ann, &ann_id, "Ready.", "key-1").await.status(), 200);
    assert_eq!(send(&ann, &ann_id, "Ready.", "key-1").await.status(), 200);
    let bob = app.signed_up("bob@example.com").await;
    let bob_id = start(&bob).await;
    assert_eq!(send(&bob, &bob_id, "Ready.", "key-1").await.status(), 200);

    // The address is over its limit, for either of them.
    for (client, id) in [(&bob, &bob_id), (&ann, &ann_id)] {
        refused_send(send(client, id, "My next answer.", "key-2").await).await;
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM interview_messages WHERE author = 'candidate'")
            .await,
        2,
        "only the sends within the address's limit are stored"
    );
}
both_backends!(sends_from_one_address_share_its_limit);

async fn starting_interviews_over_the_limit_gets_429(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        s.limits.enabled = true;
        s.limits.start_per_minute = 1;
        s.limits.start_burst = 2;
        s.limits.start_per_minute_per_ip = 1;
        s.limits.start_burst_per_ip = 3;
    })
    .await;
    let ann = app.signed_up("ann@example.com").await;
    start(&ann).await;
    start(&ann).await;
    let refused = try_start(&ann).await;
    assert_eq!(refused.status(), 429);
    assert!(retry_after(&refused) >= 1);
    let body = refused.text().await.unwrap_or_default();
    assert!(body.contains("starting interviews quickly"), "{body}");
    assert_eq!(app.count("SELECT COUNT(*) FROM interviews").await, 2);

    // Per address: ann's refused start did not charge it, so a second person on the same
    // address gets its last start, and then the address is spent for them too.
    let bob = app.signed_up("bob@example.com").await;
    start(&bob).await;
    let refused = try_start(&bob).await;
    assert_eq!(refused.status(), 429, "the address is over its limit");
    assert!(retry_after(&refused) >= 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM interviews").await, 3);
}
both_backends!(starting_interviews_over_the_limit_gets_429);

async fn a_fifth_stream_is_refused_until_one_closes(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.limits.streams_per_user = 4).await;
    let candidate = app.signed_up("uma@example.com").await;
    let id = start(&candidate).await;

    let mut open = Vec::new();
    for _ in 0..4 {
        let stream = connect(&candidate, &id).await;
        assert_eq!(stream.status(), 200);
        open.push(stream);
    }
    let refused = connect(&candidate, &id).await;
    assert_eq!(refused.status(), 429);
    assert!(retry_after(&refused) >= 1);

    // The cap is per user.
    let other = app.signed_up("vic@example.com").await;
    let other_id = start(&other).await;
    assert_eq!(connect(&other, &other_id).await.status(), 200);

    // Closing one gives its slot back once the server sees the connection go.
    drop(open.pop());
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let again = connect(&candidate, &id).await;
        if again.status() == 200 {
            open.push(again);
            break;
        }
        assert_eq!(again.status(), 429);
        assert!(
            Instant::now() < deadline,
            "a closed stream's slot was not given back"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(open.len(), 4);
}
both_backends!(a_fifth_stream_is_refused_until_one_closes);

async fn a_stream_past_its_lifetime_ends(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.limits.stream_max_secs = 1).await;
    let candidate = app.signed_up("wes@example.com").await;
    let id = start(&candidate).await;

    let began = Instant::now();
    let stream = connect(&candidate, &id).await;
    assert_eq!(stream.status(), 200);
    let mut body = stream.bytes_stream();
    let mut read = String::new();
    let ended = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(chunk) = body.next().await {
            read.push_str(&String::from_utf8_lossy(&chunk.expect("bytes")));
        }
    })
    .await;
    assert!(ended.is_ok(), "the stream did not end by itself");
    assert!(
        began.elapsed() >= Duration::from_millis(900),
        "it lasted its lifetime first"
    );
    assert!(
        read.contains("event: message"),
        "it carried the greeting: {read}"
    );

    // The browser reconnects with the last id it saw and is not sent the greeting again.
    let resumed = reconnect(&candidate, &id, "1").await;
    assert_eq!(resumed.status(), 200);
    let text = tokio::time::timeout(Duration::from_secs(20), resumed.text())
        .await
        .expect("the resumed stream ends too")
        .unwrap_or_default();
    assert!(!text.contains("event: message"), "nothing replayed: {text}");
}
both_backends!(a_stream_past_its_lifetime_ends);

/// The model's one slot is taken by a reply that does not come, and there is no line: a turn
/// that needs the model posts its built question at once instead of waiting, and starting an
/// interview answers 503 with `Retry-After` and a message saying when to come back, with
/// nothing stored.
async fn a_busy_model_refuses_new_interviews_and_turns_fall_back_at_once(backend: Backend) {
    use rehearse_llm::scripted::{Script, ScriptedModel, Step};
    let model = ScriptedModel::new(vec![Script {
        steps: vec![
            Step::Pause(Duration::from_secs(3600)),
            Step::Token("never".into()),
        ],
        usage: None,
    }]);
    let app = TestApp::spawn_with_model(
        backend,
        |s| {
            s.llm.max_concurrent = Some(1);
            s.llm.max_waiting = 0;
            // The held reply must hold its slot for the whole test.
            s.llm.first_token_timeout_secs = 3600;
            s.llm.call_timeout_secs = 3600;
        },
        std::sync::Arc::new(model.clone()),
    )
    .await;
    let first = app.signed_up("ann@example.com").await;
    let second = app.signed_up("ben@example.com").await;
    let waiting = start(&first).await;
    let other = start(&second).await;

    // The first candidate's turn takes the only slot and never gets a token.
    assert_eq!(send(&first, &waiting, "Ready.", "k1").await.status(), 200);
    let began = Instant::now();
    while model.calls() == 0 {
        assert!(
            began.elapsed() < Duration::from_secs(30),
            "the model was never called"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // The second candidate's turn cannot get a slot: the built question, without a model call.
    let replies = crate::knowledge::say(&second, &other, "Ready.", "k2").await;
    let question = replies.last().expect("a question");
    assert!(
        question.contains("The role asks you to write safe, fast asynchronous services"),
        "{question}"
    );
    assert_eq!(model.calls(), 1, "refused before reaching the model");

    // A new interview is refused while the model is full.
    let third = app.signed_up("cal@example.com").await;
    let before = app.count("SELECT COUNT(*) FROM interviews").await;
    let refused = try_start(&third).await;
    assert_eq!(refused.status(), 503);
    assert_eq!(retry_after(&refused), 5);
    let body = refused.text().await.unwrap_or_default();
    assert!(body.contains("busy"), "{body}");
    assert!(body.contains("try again in 5 s"), "{body}");
    assert_eq!(app.count("SELECT COUNT(*) FROM interviews").await, before);
}
both_backends!(a_busy_model_refuses_new_interviews_and_turns_fall_back_at_once);
