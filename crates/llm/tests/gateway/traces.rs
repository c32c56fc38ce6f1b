//! Traces: every call is traced in full with its reply tokens capped, and a call cancelled by
//! dropping its receiver is traced as cancelled, still charged for what was generated.

use crate::fixture::{ctx, gateway, request};
use rehearse_llm::gateway::GatewayEvent;
use rehearse_llm::scripted::{Script, ScriptedModel};
use rehearse_llm::testing::{call_trace, trickle};
use rehearse_testkit::{both_backends, fresh_db, Backend};
use std::time::Duration;

async fn every_call_is_traced_in_full_and_reply_tokens_are_capped(backend: Backend) {
    let t = fresh_db(backend).await;
    let model = ScriptedModel::new(vec![Script::text("What is a B-tree?").with_usage(321, 12)]);
    let gw = gateway(&t, &model).build();
    let mut big = request("Ask me something");
    big.max_tokens = 100_000;
    let summary = gw.complete(ctx(&[]), big).await.expect("call");
    assert_eq!(
        model.requests()[0].max_tokens,
        256,
        "capped at the configured maximum"
    );
    let trace = call_trace(&gw, &summary.call_id).await;
    assert_eq!(trace.status, rehearse_llm::trace::CallStatus::Ok);
    assert_eq!(trace.call.provider, "scripted");
    assert_eq!(trace.call.model, "scripted-test-double");
    assert_eq!(trace.call.step, "question");
    assert_eq!(trace.call.prompt_version.as_deref(), Some("interviewer@3"));
    assert_eq!(trace.call.context_ids_json, r#"["chunk-7"]"#);
    assert!(trace.call.request_json.contains("Ask me something"));
    assert!(trace.call.request_json.contains("You interview."));
    assert_eq!(trace.output, "What is a B-tree?");
    assert_eq!((trace.prompt_tokens, trace.completion_tokens), (321, 12));
    assert_eq!(trace.cost_nanos, 321_000 + 24_000);
    assert!(trace.latency_ms.is_some() && trace.ttft_ms.is_some());
    assert!(trace.error.is_none());
}
both_backends!(every_call_is_traced_in_full_and_reply_tokens_are_capped);

async fn dropping_the_receiver_cancels_the_call(backend: Backend) {
    let t = fresh_db(backend).await;
    let model = ScriptedModel::new(vec![trickle("t", 200, Duration::from_millis(5))]);
    let gw = gateway(&t, &model).build();
    let mut handle = gw.start(ctx(&[]), request("Go on")).await.expect("start");
    let first = handle.events.recv().await.expect("a token");
    assert_eq!(first, GatewayEvent::Token("t0 ".into()));
    drop(handle.events);
    let outcome = handle.outcome.await.expect("task");
    assert!(outcome.is_err(), "a cancelled call has no summary");
    let trace = call_trace(&gw, &handle.call_id).await;
    assert_eq!(trace.status, rehearse_llm::trace::CallStatus::Cancelled);
    assert!(
        trace.output.starts_with("t0 ") && !trace.output.contains("t199"),
        "{}",
        trace.output
    );
    assert!(trace.cost_nanos > 0, "what was generated is still charged");
}
both_backends!(dropping_the_receiver_cancels_the_call);
