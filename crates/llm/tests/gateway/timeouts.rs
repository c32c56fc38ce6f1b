//! Timeouts: to the first token, for the whole call and for a whole turn with its tools; each
//! ends the call with a trace that keeps the partial output. And Stop while a call waits in line
//! for a model slot.

use crate::fixture::{ctx, gateway, limits, request, tool};
use rehearse_llm::admission::AdmissionConfig;
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
    assert_eq!(
        traces
            .iter()
            .filter(|t| t.status == rehearse_llm::trace::CallStatus::Timeout)
            .count(),
        2
    );
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

/// Stop reaches a call waiting in line for a model slot: the turn drops the call when Stop is
/// pressed, and the dropped call leaves the line at once (its place is free for the next
/// caller), its trace ends `cancelled`, and the call holding the slot is untouched.
async fn a_call_stopped_while_waiting_in_line_leaves_it(backend: Backend) {
    let t = fresh_db(backend).await;
    let model = ScriptedModel::new(vec![stalled_reply("Let me ", Duration::from_secs(60))]);
    let gw = gateway(&t, &model).build().with_admission(AdmissionConfig {
        slots: 1,
        line: 1,
        wait: Duration::from_secs(600),
    });
    // The first call takes the one slot and keeps it: its reply stalls after a token.
    let mut holding = gw.start(ctx(&[]), request("Hi")).await.expect("the slot");
    let waiting = {
        let gw = gw.clone();
        tokio::spawn(async move { gw.start(ctx(&[]), request("Hello")).await.map(|_| ()) })
    };
    // The slot is taken and the line is full once the second call waits in it.
    let began = std::time::Instant::now();
    while gw.busy().is_none() {
        assert!(
            began.elapsed() < Duration::from_secs(30),
            "never joined the line"
        );
        tokio::task::yield_now().await;
    }
    // Stop: the waiting call is dropped, long before its ten-minute wait.
    waiting.abort();
    assert!(waiting.await.expect_err("dropped").is_cancelled());
    assert!(gw.busy().is_none(), "its place in line is free at once");
    assert_eq!(model.calls(), 1, "the stopped call never reached the model");
    let counts = gw.admission_counts();
    assert_eq!((counts.at_once, counts.after_wait), (1, 0), "{counts:?}");
    // Its trace ends cancelled (written by the dropped call's guard, in the background).
    let began = std::time::Instant::now();
    loop {
        let traces = traces_of(&gw, "interview-1").await;
        if traces
            .iter()
            .any(|t| t.status == rehearse_llm::trace::CallStatus::Cancelled)
        {
            break;
        }
        assert!(
            began.elapsed() < Duration::from_secs(30),
            "no cancelled trace: {:?}",
            traces.iter().map(|t| &t.status).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The call holding the slot is still open (its reply is stalled, not ended).
    assert!(!matches!(
        holding.events.try_recv(),
        Err(tokio::sync::mpsc::error::TryRecvError::Disconnected)
    ));
}
both_backends!(a_call_stopped_while_waiting_in_line_leaves_it);
