//! Retries: a 500 retried up to the limit, a 429 after its Retry-After, up to the cap.

use crate::upstream::*;
use rehearse_llm::gateway::GatewayError;
use rehearse_llm::testing::last_trace_of;
use rehearse_llm::LlmError;
use rehearse_testkit::{fresh_db, Backend};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_500_is_retried_up_to_the_limit_then_fails_with_the_providers_error() {
    let up = FaultUpstream::start().await;
    let t = fresh_db(Backend::Sqlite).await;

    let gw = gateway(
        &t,
        up.model("ok"),
        vec![],
        limits(),
        config(2, 0, Duration::ZERO),
    );
    let summary = gw.complete(ctx("ok"), request()).await.expect("answers");
    assert!(
        summary.output.starts_with("Tell me about"),
        "{}",
        summary.output
    );
    assert_eq!(attempts(&last_trace_of(&gw, "ok").await).len(), 1);

    let gw = gateway(
        &t,
        up.model("http500"),
        vec![],
        limits(),
        config(2, 0, Duration::ZERO),
    );
    let err = gw.complete(ctx("500"), request()).await.expect_err("fails");
    assert!(
        matches!(
            err,
            GatewayError::Model(LlmError::Upstream { status: 500, .. })
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("injected failure"), "{err}");
    assert_eq!(
        up.count("http500", "requests").await,
        3,
        "one attempt and two retries, then no more"
    );
    let trace = last_trace_of(&gw, "500").await;
    assert_eq!(trace.status, rehearse_llm::trace::CallStatus::Error);
    assert_eq!(attempts(&trace).len(), 3);
    assert!(trace.error.unwrap_or_default().contains("500"));

    // A provider that fails every other request: the retry answers.
    let gw = gateway(
        &t,
        up.model("flaky"),
        vec![],
        limits(),
        config(2, 0, Duration::ZERO),
    );
    let summary = gw
        .complete(ctx("flaky"), request())
        .await
        .expect("the retry answers");
    assert!(!summary.output.is_empty());
    assert_eq!(up.count("flaky", "requests").await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_is_retried_after_what_retry_after_asks_up_to_the_cap() {
    let up = FaultUpstream::start().await;
    let t = fresh_db(Backend::Sqlite).await;
    // A 10 ms backoff: only Retry-After (1 s) can explain a longer wait.
    let gw = gateway(
        &t,
        up.model("http429"),
        vec![],
        limits(),
        config(1, 0, Duration::ZERO),
    );
    let err = gw
        .complete(ctx("429"), request())
        .await
        .expect_err("rate limited twice");
    assert!(
        matches!(
            err,
            GatewayError::Model(LlmError::Upstream { status: 429, .. })
        ),
        "{err:?}"
    );
    let stats = up.stats("http429").await;
    assert_eq!(stats["requests"], 2, "{stats}");
    let gap = stats["gaps_ms"][0].as_u64().expect("a gap between the two");
    assert!(
        gap >= 950,
        "the retry came {gap} ms after the 429, not after Retry-After"
    );

    // Asked to wait longer than the cap (5 s here): not retried in this call.
    let gw = gateway(
        &t,
        up.model("http429:30"),
        vec![],
        limits(),
        config(3, 0, Duration::ZERO),
    );
    gw.complete(ctx("429-long"), request())
        .await
        .expect_err("rate limited");
    assert_eq!(up.count("http429:30", "requests").await, 1);
}
