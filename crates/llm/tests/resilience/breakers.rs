//! Circuit breakers (open, fail fast, half-open) and a fallback answering for a failing primary.

use crate::upstream::*;
use rehearse_llm::admission::AdmissionConfig;
use rehearse_llm::gateway::{CallHandle, Gateway, GatewayError, GatewayEvent};
use rehearse_llm::pricing::Pricing;
use rehearse_llm::resilience::{BreakerState, Route};
use rehearse_llm::scripted::{Script, ScriptedModel};
use rehearse_llm::testing::{call_trace, last_trace_of, trickle};
use rehearse_testkit::{both_backends, fresh_db, Backend, TestDb};
use std::sync::Arc;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_breaker_opens_after_repeated_failures_fails_fast_then_half_opens() {
    let up = FaultUpstream::start().await;
    let t = fresh_db(Backend::Sqlite).await;
    // `flaky:4` fails requests 1-3 and answers the 4th.
    let model = "flaky:4";
    let gw = gateway(
        &t,
        up.model(model),
        vec![],
        limits(),
        config(0, 3, Duration::from_secs(1)),
    );
    for i in 0..3 {
        let err = gw
            .complete(ctx(&format!("fail-{i}")), request())
            .await
            .expect_err("500");
        assert!(matches!(err, GatewayError::Model(_)), "{err:?}");
    }
    assert_eq!(gw.breakers()[0].state, BreakerState::Open);
    assert_eq!(gw.breakers()[0].consecutive_failures, 3);

    for i in 0..2 {
        let err = gw
            .complete(ctx(&format!("fast-{i}")), request())
            .await
            .expect_err("fails fast");
        assert!(matches!(err, GatewayError::CircuitOpen { .. }), "{err:?}");
    }
    assert_eq!(
        up.count(model, "requests").await,
        3,
        "an open breaker keeps calls from the provider"
    );
    let refused = last_trace_of(&gw, "fast-0").await;
    assert_eq!(attempts(&refused)[0]["outcome"], "circuit open");

    // Once the open time is over, one trial call goes through; its success closes the breaker.
    let mut state = gw.breakers()[0].state;
    for _ in 0..100 {
        if state == BreakerState::HalfOpen {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        state = gw.breakers()[0].state;
    }
    assert_eq!(state, BreakerState::HalfOpen);
    gw.complete(ctx("trial"), request())
        .await
        .expect("the trial call answers");
    assert_eq!(up.count(model, "requests").await, 4);
    let breakers = gw.breakers();
    assert_eq!(
        (breakers[0].state, breakers[0].opened_count),
        (BreakerState::Closed, 1)
    );
}

async fn the_fallback_answers_when_the_primary_fails_and_the_trace_records_it(backend: Backend) {
    let up = FaultUpstream::start().await;
    let t = fresh_db(backend).await;
    let fallback = ScriptedModel::new(vec![Script::text("From the fallback.")]);
    let route = Route {
        model: Arc::new(fallback.clone()),
        pricing: Pricing::FREE,
        admission: None,
    };
    let gw = gateway(
        &t,
        up.model("http500"),
        vec![route],
        limits(),
        config(1, 2, Duration::from_secs(60)),
    );

    let summary = gw
        .complete(ctx("first"), request())
        .await
        .expect("the fallback answers");
    assert_eq!(summary.output, "From the fallback.");
    assert_eq!(
        up.count("http500", "requests").await,
        2,
        "the primary and its retry"
    );
    let trace = call_trace(&gw, &summary.call_id).await;
    assert_eq!(trace.status, rehearse_llm::trace::CallStatus::Ok);
    assert_eq!(
        (trace.call.provider.as_str(), trace.call.model.as_str()),
        ("scripted", "scripted-test-double"),
        "the trace names the provider that answered"
    );
    let tried = attempts(&trace);
    assert_eq!(tried.len(), 3, "{tried:?}");
    for attempt in &tried[..2] {
        assert_eq!(attempt["model"], "http500");
        assert!(
            attempt["outcome"].as_str().unwrap_or("").contains("500"),
            "{attempt}"
        );
    }
    assert_eq!(tried[2]["provider"], "scripted");
    assert_eq!(tried[2]["outcome"], "ok");

    // Two failures opened the primary's breaker: the next call goes straight to the fallback.
    let summary = gw
        .complete(ctx("second"), request())
        .await
        .expect("the fallback answers");
    assert_eq!(summary.output, "From the fallback.");
    assert_eq!(up.count("http500", "requests").await, 2);
    let trace = last_trace_of(&gw, "second").await;
    assert_eq!(attempts(&trace)[0]["outcome"], "circuit open");
    let breakers = gw.breakers();
    assert_eq!(
        (breakers[0].state, breakers[1].state),
        (BreakerState::Open, BreakerState::Closed)
    );
    assert_eq!(fallback.calls(), 2);
}
both_backends!(the_fallback_answers_when_the_primary_fails_and_the_trace_records_it);

/// A chain of a failing primary (`http500`, its breaker opening after `breaker_failures`) and
/// a fallback with one slot and no line, whose first reply is already streaming on that slot
/// (returned, to be stopped), and whose second reply is "Second.".
async fn one_slot_fallback_streaming(
    backend: Backend,
    breaker_failures: u32,
) -> (FaultUpstream, TestDb, ScriptedModel, Gateway, CallHandle) {
    let up = FaultUpstream::start().await;
    let t = fresh_db(backend).await;
    let fallback = ScriptedModel::new(vec![
        trickle("f", 1_000, Duration::from_millis(20)),
        Script::text("Second."),
    ]);
    let route = Route {
        model: Arc::new(fallback.clone()),
        pricing: Pricing::FREE,
        admission: Some(AdmissionConfig {
            slots: 1,
            line: 0,
            wait: Duration::from_secs(5),
        }),
    };
    let gw = gateway(
        &t,
        up.model("http500"),
        vec![route],
        limits(),
        config(0, breaker_failures, Duration::from_secs(60)),
    );
    let mut first = gw
        .start(ctx("first"), request())
        .await
        .expect("the fallback answers");
    loop {
        match first.events.recv().await {
            Some(GatewayEvent::Token(_)) => break,
            Some(_) => {}
            None => panic!("the first reply ended before its first token"),
        }
    }
    (up, t, fallback, gw, first)
}

/// The outcome of the last attempt on a call's trace.
async fn last_outcome(gw: &Gateway, tag: &str) -> (String, String) {
    let trace = last_trace_of(gw, tag).await;
    let tried = attempts(&trace);
    let last = tried.last().expect("attempts");
    (
        last["provider"].as_str().unwrap_or("").to_owned(),
        last["outcome"].as_str().unwrap_or("").to_owned(),
    )
}

/// A fallback with slots of its own: a call that finds its only slot taken and no line is not
/// sent to it (the trace says `busy`; the call fails with the primary's error, which callers
/// fall back from like any other), and once the running reply ends, its slot is free for the
/// next call.
async fn a_busy_fallback_is_skipped_and_its_slot_comes_free(backend: Backend) {
    let (_up, _t, fallback, gw, first) = one_slot_fallback_streaming(backend, 100).await;

    let err = gw
        .complete(ctx("second"), request())
        .await
        .expect_err("the fallback has no free slot");
    // The call's error is the primary's own failure: a skipped provider says less.
    assert!(matches!(err, GatewayError::Model(_)), "{err:?}");
    let (provider, outcome) = last_outcome(&gw, "second").await;
    assert_eq!(provider, "scripted");
    assert!(outcome.starts_with("busy"), "{outcome}");
    assert_eq!(fallback.calls(), 1, "a busy fallback is not called");

    // Stopped like a candidate pressing Stop: the reply ends and its slot comes free.
    drop(first.events);
    let _ = first.outcome.await;
    let summary = gw
        .complete(ctx("third"), request())
        .await
        .expect("the fallback's slot is free again");
    assert_eq!(summary.output, "Second.");
    assert_eq!(fallback.calls(), 2);
}
both_backends!(a_busy_fallback_is_skipped_and_its_slot_comes_free);

/// With every provider skipped (the primary's breaker open, the fallback busy) no provider
/// failed, so the call is refused as busy, with when to try again (the fallback's wait).
async fn a_chain_with_every_provider_skipped_is_busy(backend: Backend) {
    let (up, _t, fallback, gw, _first) = one_slot_fallback_streaming(backend, 1).await;
    let err = gw
        .complete(ctx("second"), request())
        .await
        .expect_err("no provider is free");
    assert!(
        matches!(
            err,
            GatewayError::Busy {
                retry_after_secs: 5,
                ..
            }
        ),
        "{err:?}"
    );
    let trace = last_trace_of(&gw, "second").await;
    let tried = attempts(&trace);
    assert_eq!(tried.len(), 2, "{tried:?}");
    assert_eq!(tried[0]["outcome"], "circuit open");
    assert!(
        tried[1]["outcome"]
            .as_str()
            .unwrap_or("")
            .starts_with("busy"),
        "{tried:?}"
    );
    assert_eq!(
        up.count("http500", "requests").await,
        1,
        "the open breaker held"
    );
    assert_eq!(fallback.calls(), 1);
}
both_backends!(a_chain_with_every_provider_skipped_is_busy);
