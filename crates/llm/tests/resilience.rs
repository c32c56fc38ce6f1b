//! Provider resilience on the wire: the gateway against the fault-injecting upstream
//! (`tools/fault_upstream.py`, a real process speaking the OpenAI-compatible format, whose
//! behaviour the model name picks). What the upstream saw is read from its `/stats`: retries,
//! requests that stopped reaching it, disconnects.
//!
//! Longer than 400 lines on purpose: retries, breakers and fallbacks share the failing-provider doubles; split by scenario, each file would repeat them.

use rehearse_llm::gateway::{
    CallContext, Gateway, GatewayError, GatewayEvent, Limits, TimeoutPhase,
};
use rehearse_llm::openai::OpenAiCompatible;
use rehearse_llm::pricing::Pricing;
use rehearse_llm::resilience::{BreakerConfig, BreakerState, ResilienceConfig, RetryPolicy, Route};
use rehearse_llm::scripted::{Script, ScriptedModel};
use rehearse_llm::testing::{call_trace, chat_request, last_trace_of, test_limits, TestGateway};
use rehearse_llm::{ChatModel, ChatRequest, LlmError};
use rehearse_testkit::{both_backends, fresh_db, workspace_root, Backend, TestDb};
use serde_json::Value;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};

/// The fault-injecting upstream, stopped when dropped.
struct FaultUpstream {
    _child: tokio::process::Child,
    _stdout: Lines<BufReader<tokio::process::ChildStdout>>,
    origin: String,
}

impl FaultUpstream {
    async fn start() -> FaultUpstream {
        let mut child = tokio::process::Command::new("python3")
            .arg(workspace_root().join("tools/fault_upstream.py"))
            .args(["--port", "0", "--exit-with-parent"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start python3 tools/fault_upstream.py");
        let stdout = child.stdout.take().expect("its stdout");
        let mut lines = BufReader::new(stdout).lines();
        let first = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .expect("the fault upstream printed its port in time")
            .expect("read its stdout")
            .expect("a first line");
        let port: u16 = first
            .strip_prefix("PORT ")
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("expected `PORT <n>`, got {first:?}"));
        FaultUpstream {
            _child: child,
            _stdout: lines,
            origin: format!("http://127.0.0.1:{port}"),
        }
    }

    /// An OpenAI-compatible client whose model name picks the upstream's behaviour.
    fn model(&self, name: &str) -> Arc<dyn ChatModel> {
        Arc::new(OpenAiCompatible::new(&format!("{}/v1", self.origin), name, None).expect("client"))
    }

    /// The upstream's counters for one model name (`{}` before its first request).
    async fn stats(&self, model: &str) -> Value {
        let all: Value = reqwest::get(format!("{}/stats", self.origin))
            .await
            .expect("GET /stats")
            .json()
            .await
            .expect("stats JSON");
        all.get(model).cloned().unwrap_or(Value::Null)
    }

    async fn count(&self, model: &str, counter: &str) -> u64 {
        self.stats(model).await[counter].as_u64().unwrap_or(0)
    }

    /// Waits (bounded) for a counter to reach `want`, and returns its value then.
    async fn reaches(&self, model: &str, counter: &str, want: u64) -> u64 {
        for _ in 0..200 {
            let n = self.count(model, counter).await;
            if n >= want {
                return n;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.count(model, counter).await
    }
}

/// The shared limits with replies capped at 64 tokens.
fn limits() -> Limits {
    Limits {
        max_reply_tokens: 64,
        ..test_limits()
    }
}

fn config(retries: u32, breaker_failures: u32, open_for: Duration) -> ResilienceConfig {
    ResilienceConfig {
        retry: RetryPolicy {
            retries,
            min_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
            max_retry_after: Duration::from_secs(5),
        },
        breaker: BreakerConfig {
            failure_threshold: breaker_failures,
            open_for,
        },
    }
}

/// The shared test gateway (its generous ceilings) with free models, `primary` first.
fn gateway(
    t: &TestDb,
    primary: Arc<dyn ChatModel>,
    fallbacks: Vec<Route>,
    limits: Limits,
    config: ResilienceConfig,
) -> Gateway {
    TestGateway::new(&t.db)
        .model(primary)
        .pricing(Pricing::FREE)
        .limits(limits)
        .resilience(config, fallbacks)
        .build()
}

/// Each call gets its own interview id, so its trace is found by it.
fn ctx(tag: &str) -> CallContext {
    CallContext {
        interview_id: Some(tag.to_owned()),
        step: "question".into(),
        ..Default::default()
    }
}

fn request() -> ChatRequest {
    chat_request("You interview.", "Ask me something.", 32)
}

fn attempts(trace: &rehearse_llm::trace::Trace) -> Vec<Value> {
    serde_json::from_str(&trace.attempts_json).expect("attempts JSON")
}

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
    assert_eq!(trace.status, "error");
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
    assert_eq!(last_trace_of(&gw, "hang").await.status, "timeout");
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
    let mut status = String::new();
    for _ in 0..200 {
        status = last_trace_of(&gw, "stopped").await.status;
        if status != "running" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(status, "cancelled");
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
    assert_eq!(trace.status, "ok");
    assert_eq!(
        (trace.provider.as_str(), trace.model.as_str()),
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
