//! Deadlines and cuts: a hang cut at the first token or by Stop, a stream broken or too slow.

use crate::upstream::*;
use rehearse_llm::gateway::{GatewayError, GatewayEvent, Limits, TimeoutPhase};
use rehearse_llm::testing::last_trace_of;
use rehearse_testkit::{fresh_db, Backend};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hang_is_cut_at_the_first_token_deadline_and_the_upstream_sees_the_disconnect() {
    let up = FaultUpstream::start().await;
    let t = fresh_db(Backend::Sqlite).await;
    let quick = Limits {
        first_token_timeout: Duration::from_millis(500),
        ..limits()
    };
    let gw = gateway(
        &t,
        up.model("hang"),
        vec![],
        quick,
        config(2, 0, Duration::ZERO),
    );
    let err = gw
        .complete(ctx("hang"), request())
        .await
        .expect_err("times out");
    assert!(
        matches!(err, GatewayError::Timeout(TimeoutPhase::FirstToken)),
        "{err:?}"
    );
    assert_eq!(
        up.reaches("hang", "disconnects", 1).await,
        1,
        "the upstream saw the request go away"
    );
    assert_eq!(
        up.count("hang", "requests").await,
        1,
        "no retry once the deadline is spent"
    );
    assert_eq!(
        last_trace_of(&gw, "hang").await.status,
        rehearse_llm::trace::CallStatus::Timeout
    );
}

/// Stop against a provider that never answers: the caller gives up on the call while it waits
/// for the first token (the interview drops it when Stop is pressed). The request is aborted,
/// which the upstream sees as a disconnect, long before the first-token deadline (an hour
/// here); the trace says `cancelled`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_a_call_to_a_hung_provider_aborts_the_request_at_once() {
    let up = FaultUpstream::start().await;
    let t = fresh_db(Backend::Sqlite).await;
    let patient = Limits {
        first_token_timeout: Duration::from_secs(3600),
        call_timeout: Duration::from_secs(3600),
        ..limits()
    };
    let gw = gateway(
        &t,
        up.model("hang"),
        vec![],
        patient,
        config(0, 0, Duration::ZERO),
    );
    let call = {
        let gw = gw.clone();
        tokio::spawn(async move { gw.start(ctx("stopped"), request()).await.map(|_| ()) })
    };
    assert_eq!(
        up.reaches("hang", "requests", 1).await,
        1,
        "the request reached the upstream"
    );
    call.abort();
    assert_eq!(
        up.reaches("hang", "disconnects", 1).await,
        1,
        "the upstream saw the request go away"
    );
    let mut status = rehearse_llm::trace::CallStatus::Running;
    for _ in 0..200 {
        status = last_trace_of(&gw, "stopped").await.status;
        if status != rehearse_llm::trace::CallStatus::Running {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(status, rehearse_llm::trace::CallStatus::Cancelled);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_broken_after_its_first_tokens_ends_with_an_error_and_is_not_retried() {
    let up = FaultUpstream::start().await;
    let t = fresh_db(Backend::Sqlite).await;
    let gw = gateway(
        &t,
        up.model("cut"),
        vec![],
        limits(),
        config(2, 0, Duration::ZERO),
    );
    let mut handle = gw.start(ctx("cut"), request()).await.expect("first token");
    let mut shown = String::new();
    while let Some(event) = handle.events.recv().await {
        if let GatewayEvent::Token(t) = event {
            shown.push_str(&t);
        }
    }
    let err = handle
        .outcome
        .await
        .expect("task")
        .expect_err("the reply broke");
    assert!(matches!(err, GatewayError::Model(_)), "{err:?}");
    assert_eq!(shown, "Tell me about ", "the tokens before the cut");
    assert_eq!(
        up.count("cut", "requests").await,
        1,
        "no second reply after tokens were streamed"
    );
    let trace = last_trace_of(&gw, "cut").await;
    assert_eq!(
        (trace.status.as_str(), trace.output.as_str()),
        ("error", "Tell me about ")
    );

    // Slow tokens past the call's deadline: cut, not retried, and the upstream sees it go.
    let short = Limits {
        call_timeout: Duration::from_millis(700),
        ..limits()
    };
    let gw = gateway(
        &t,
        up.model("slow"),
        vec![],
        short,
        config(2, 0, Duration::ZERO),
    );
    let err = gw
        .complete(ctx("slow"), request())
        .await
        .expect_err("too slow");
    assert!(
        matches!(err, GatewayError::Timeout(TimeoutPhase::Call)),
        "{err:?}"
    );
    assert_eq!(up.reaches("slow", "disconnects", 1).await, 1);
    assert_eq!(up.count("slow", "requests").await, 1);
}
