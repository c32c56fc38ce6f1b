//! Timeouts: to the first token, for the whole call and for a whole turn with its tools; each
//! ends the call with a trace that keeps the partial output.

use crate::fixture::{ctx, gateway, limits, request, tool};
use rehearse_llm::agent::{run_turn, ToolExecutor, TurnLimits};
use rehearse_llm::gateway::{GatewayError, Limits, TimeoutPhase};
use rehearse_llm::scripted::{Script, ScriptedModel};
use rehearse_llm::testing::{late_reply, stalled_reply, traces_of};
use rehearse_llm::ToolCall;
use rehearse_testkit::{both_backends, fresh_db, Backend};
use std::time::Duration;

struct Slow;

#[async_trait::async_trait]
impl ToolExecutor for Slow {
    async fn execute(&self, _call: &ToolCall) -> Result<String, String> {
        tokio::time::sleep(Duration::from_secs(30)).await;
        Ok(String::new())
    }
}

async fn timeouts_end_the_call_with_a_trace(backend: Backend) {
    let t = fresh_db(backend).await;
    let slow_start = late_reply(Duration::from_secs(30), "late");
    let model = ScriptedModel::new(vec![slow_start]);
    let quick = Limits {
        first_token_timeout: Duration::from_millis(200),
        ..limits()
    };
    let gw = gateway(&t, &model).limits(quick).build();
    let err = gw
        .complete(ctx(&[]), request("Hi"))
        .await
        .expect_err("must time out");
    assert!(
        matches!(err, GatewayError::Timeout(TimeoutPhase::FirstToken)),
        "{err:?}"
    );

    let stalls = stalled_reply("Let me ", Duration::from_secs(30));
    let model = ScriptedModel::new(vec![stalls]);
    let total = Limits {
        call_timeout: Duration::from_millis(300),
        ..limits()
    };
    let gw = gateway(&t, &model).limits(total).build();
    let err = gw
        .complete(ctx(&[]), request("Hi"))
        .await
        .expect_err("must time out");
    assert!(
        matches!(err, GatewayError::Timeout(TimeoutPhase::Call)),
        "{err:?}"
    );

    let traces = traces_of(&gw, "interview-1").await;
    assert_eq!(traces.iter().filter(|t| t.status == "timeout").count(), 2);
    let partial = traces
        .iter()
        .find(|t| t.output == "Let me ")
        .expect("partial output kept in the trace");
    assert!(partial.ttft_ms.is_some());

    // A whole turn has its own deadline, tools included.
    let model = ScriptedModel::new(vec![Script::tool("search_job_description", "{}")]);
    let gw = gateway(&t, &model).build();
    let turn = TurnLimits {
        max_iterations: 5,
        deadline: Duration::from_millis(300),
    };
    let err = run_turn(
        &gw,
        &ctx(&["search_job_description"]),
        request("Hi").messages,
        &[tool("search_job_description")],
        &Slow,
        64,
        turn,
    )
    .await
    .expect_err("deadline");
    assert!(
        matches!(err, GatewayError::Timeout(TimeoutPhase::Turn)),
        "{err:?}"
    );
}
both_backends!(timeouts_end_the_call_with_a_trace);
