//! What the scenarios share: the fault-injecting upstream process and a gateway over it.

use rehearse_llm::gateway::{CallContext, Gateway, Limits};
use rehearse_llm::openai::OpenAiCompatible;
use rehearse_llm::pricing::Pricing;
use rehearse_llm::resilience::{BreakerConfig, ResilienceConfig, RetryPolicy, Route};
use rehearse_llm::testing::{chat_request, test_limits, TestGateway};
use rehearse_llm::{ChatModel, ChatRequest};
use rehearse_testkit::TestDb;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// The fault-injecting upstream ([`rehearse_testkit::FaultUpstream`]), stopped when dropped,
/// with what these scenarios ask of it.
pub(crate) struct FaultUpstream {
    _process: rehearse_testkit::FaultUpstream,
    origin: String,
}

impl FaultUpstream {
    pub(crate) async fn start() -> FaultUpstream {
        let process = tokio::task::spawn_blocking(rehearse_testkit::FaultUpstream::start)
            .await
            .expect("start the fault upstream");
        let origin = process.origin.clone();
        FaultUpstream {
            _process: process,
            origin,
        }
    }

    /// An OpenAI-compatible client whose model name picks the upstream's behaviour.
    pub(crate) fn model(&self, name: &str) -> Arc<dyn ChatModel> {
        Arc::new(OpenAiCompatible::new(&format!("{}/v1", self.origin), name, None).expect("client"))
    }

    /// The upstream's counters for one model name (`{}` before its first request).
    pub(crate) async fn stats(&self, model: &str) -> Value {
        let all: Value = reqwest::get(format!("{}/stats", self.origin))
            .await
            .expect("GET /stats")
            .json()
            .await
            .expect("stats JSON");
        all.get(model).cloned().unwrap_or(Value::Null)
    }

    pub(crate) async fn count(&self, model: &str, counter: &str) -> u64 {
        self.stats(model).await[counter].as_u64().unwrap_or(0)
    }

    /// Waits (bounded) for a counter to reach `want`, and returns its value then.
    pub(crate) async fn reaches(&self, model: &str, counter: &str, want: u64) -> u64 {
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
pub(crate) fn limits() -> Limits {
    Limits {
        max_reply_tokens: 64,
        ..test_limits()
    }
}

pub(crate) fn config(retries: u32, breaker_failures: u32, open_for: Duration) -> ResilienceConfig {
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
pub(crate) fn gateway(
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
pub(crate) fn ctx(tag: &str) -> CallContext {
    CallContext {
        interview_id: Some(tag.to_owned()),
        step: "question".into(),
        ..Default::default()
    }
}

pub(crate) fn request() -> ChatRequest {
    chat_request("You interview.", "Ask me something.", 32)
}

pub(crate) fn attempts(trace: &rehearse_llm::trace::Trace) -> Vec<Value> {
    serde_json::from_str(&trace.attempts_json).expect("attempts JSON")
}
