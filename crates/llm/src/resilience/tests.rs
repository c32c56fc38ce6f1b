//! The chain's rules against the scripted model (the wire-level behaviour, with a real
//! fault-injecting upstream, is in `crates/llm/tests/resilience/`).

use super::*;
use crate::scripted::{Script, ScriptedModel, Step};
use crate::types::StreamEvent;
use crate::ChatMessage;
use futures::StreamExt;

fn request() -> ChatRequest {
    ChatRequest {
        messages: vec![ChatMessage::user("Hi")],
        tools: Vec::new(),
        max_tokens: 16,
        temperature: None,
    }
}

fn fails(error: LlmError) -> Script {
    Script {
        steps: vec![Step::Fail(error)],
        usage: None,
    }
}

fn route(model: &ScriptedModel) -> Route {
    Route {
        model: Arc::new(model.clone()),
        pricing: Pricing::FREE,
        admission: None,
    }
}

fn config(retries: u32, breaker_failures: u32) -> ResilienceConfig {
    ResilienceConfig {
        retry: RetryPolicy {
            retries,
            min_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            max_retry_after: Duration::from_millis(50),
        },
        breaker: BreakerConfig {
            failure_threshold: breaker_failures,
            open_for: Duration::from_secs(60),
        },
    }
}

fn soon() -> Instant {
    Instant::now() + Duration::from_secs(10)
}

async fn text(opened: Opened) -> Result<String, LlmError> {
    let mut out = String::new();
    let mut stream = opened.stream;
    while let Some(event) = stream.next().await {
        if let StreamEvent::Token(t) = event? {
            out.push_str(&t);
        }
    }
    Ok(out)
}

#[tokio::test]
async fn a_transient_failure_is_retried_before_the_first_token() {
    let model = ScriptedModel::new(vec![
        fails(LlmError::Unavailable("connection refused".into())),
        Script::text("second time lucky"),
    ]);
    let chain = Chain::new(route(&model), Vec::new(), config(2, 0));
    let opened = chain.open(&request(), soon()).await.expect("opened");
    assert_eq!(opened.route, 0);
    let outcomes: Vec<_> = opened.attempts.iter().map(|a| a.outcome.clone()).collect();
    assert_eq!(outcomes.len(), 2, "{outcomes:?}");
    assert!(outcomes[0].contains("connection refused"));
    assert_eq!(outcomes[1], "ok");
    assert_eq!(text(opened).await.expect("reply"), "second time lucky");
    assert_eq!(model.calls(), 2);
}

#[tokio::test]
async fn retries_stop_at_the_limit_and_the_error_is_the_providers() {
    let model = ScriptedModel::new(vec![fails(LlmError::Upstream {
        status: 503,
        message: "overloaded".into(),
        retry_after: None,
    })]);
    let chain = Chain::new(route(&model), Vec::new(), config(2, 0));
    let failed = chain.open(&request(), soon()).await.expect_err("fails");
    assert!(
        matches!(
            failed.error,
            OpenError::Model(LlmError::Upstream { status: 503, .. })
        ),
        "{:?}",
        failed.error
    );
    assert_eq!(failed.attempts.len(), 3);
    assert_eq!(model.calls(), 3, "one attempt and two retries");
}

#[tokio::test]
async fn the_requests_own_fault_is_not_retried_and_the_fallback_answers() {
    let primary = ScriptedModel::new(vec![fails(LlmError::Upstream {
        status: 400,
        message: "context too long".into(),
        retry_after: None,
    })]);
    let fallback = ScriptedModel::new(vec![Script::text("from the fallback")]);
    let chain = Chain::new(route(&primary), vec![route(&fallback)], config(3, 1));
    let opened = chain.open(&request(), soon()).await.expect("fallback");
    assert_eq!(opened.route, 1);
    assert_eq!(primary.calls(), 1, "a 400 is not retried");
    assert_eq!(
        chain.breakers()[0].state,
        BreakerState::Closed,
        "nor held against the provider"
    );
    assert_eq!(text(opened).await.expect("reply"), "from the fallback");
}

#[tokio::test]
async fn a_retry_after_above_the_cap_is_not_waited_for() {
    let model = ScriptedModel::new(vec![fails(LlmError::Upstream {
        status: 429,
        message: "slow down".into(),
        retry_after: Some(Duration::from_secs(30)),
    })]);
    let chain = Chain::new(route(&model), Vec::new(), config(3, 0));
    let failed = chain.open(&request(), soon()).await.expect_err("fails");
    assert!(matches!(
        failed.error,
        OpenError::Model(LlmError::Upstream { status: 429, .. })
    ));
    assert_eq!(model.calls(), 1);
}

#[tokio::test]
async fn an_open_breaker_skips_the_provider_without_calling_it() {
    let primary = ScriptedModel::new(vec![fails(LlmError::Unavailable("down".into()))]);
    let fallback = ScriptedModel::new(vec![Script::text("fallback")]);
    let chain = Chain::new(route(&primary), vec![route(&fallback)], config(1, 2));
    let first = chain.open(&request(), soon()).await.expect("fallback");
    assert_eq!(first.route, 1);
    assert_eq!(
        primary.calls(),
        2,
        "the attempt and its retry opened the breaker"
    );
    assert_eq!(chain.breakers()[0].state, BreakerState::Open);

    let second = chain.open(&request(), soon()).await.expect("fallback");
    assert_eq!(second.route, 1);
    assert_eq!(primary.calls(), 2, "an open breaker fails fast");
    assert_eq!(second.attempts[0].outcome, "circuit open");

    // With nothing else to try, the caller learns the provider is failing.
    let alone = Chain::new(route(&primary), Vec::new(), config(0, 1));
    alone.open(&request(), soon()).await.expect_err("down");
    let failed = alone.open(&request(), soon()).await.expect_err("open");
    assert!(
        matches!(failed.error, OpenError::CircuitOpen { .. }),
        "{:?}",
        failed.error
    );
}

#[tokio::test]
async fn a_stream_that_breaks_after_its_first_token_is_not_retried() {
    let model = ScriptedModel::new(vec![
        Script {
            steps: vec![
                Step::Token("Let me ".into()),
                Step::Fail(LlmError::Unavailable("connection reset".into())),
            ],
            usage: None,
        },
        Script::text("a second reply must never be asked for"),
    ]);
    let chain = Chain::new(route(&model), Vec::new(), config(3, 1));
    let opened = chain.open(&request(), soon()).await.expect("first token");
    let err = text(opened).await.expect_err("broken");
    assert!(matches!(err, LlmError::Unavailable(_)));
    assert_eq!(model.calls(), 1);
    assert_eq!(
        chain.breakers()[0].state,
        BreakerState::Open,
        "the broken stream counts against the provider"
    );
}

#[tokio::test]
async fn the_first_token_deadline_covers_every_attempt() {
    let model = ScriptedModel::new(vec![Script {
        steps: vec![
            Step::Pause(Duration::from_secs(30)),
            Step::Token("late".into()),
        ],
        usage: None,
    }]);
    let chain = Chain::new(route(&model), Vec::new(), config(3, 1));
    let deadline = Instant::now() + Duration::from_millis(100);
    let failed = chain.open(&request(), deadline).await.expect_err("timeout");
    assert_eq!(failed.error, OpenError::Timeout);
    assert_eq!(model.calls(), 1, "no time left for a retry");
    assert_eq!(chain.breakers()[0].state, BreakerState::Open);
}
