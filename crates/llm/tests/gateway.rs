//! The choke point under a scripted model: iteration limits, ceilings, timeouts, the tool
//! allow-list, cancellation and traces, on SQLite and PostgreSQL.
//!
//! Longer than 400 lines on purpose: every rule of the one choke point (budget, limits, traces, tools, cancellation) in one place; split by scenario, each file would repeat them.

use rehearse_llm::agent::{run_turn, ToolExecutor, TurnLimits, TurnOutcome};
use rehearse_llm::budget::{BudgetStore, DefaultCeilings, Scope};
use rehearse_llm::gateway::{CallContext, GatewayError, GatewayEvent, Limits, TimeoutPhase};
use rehearse_llm::pricing::usd_to_nanos;
use rehearse_llm::scripted::{Script, ScriptedModel};
use rehearse_llm::testing::{
    call_trace, ceilings_usd, chat_request, late_reply, stalled_reply, test_limits, traces_of,
    trickle, TestGateway,
};
use rehearse_llm::{ChatRequest, ToolCall, ToolSpec};
use rehearse_testkit::{both_backends, fresh_db, Backend, TestDb};
use std::sync::Arc;
use std::time::Duration;

/// The shared limits with replies capped at 256 tokens (the capping test asserts it).
fn limits() -> Limits {
    Limits {
        max_reply_tokens: 256,
        ..test_limits()
    }
}

/// This file's ceilings: the user's day ($5) and the platform's ($100) above the interview's ($1).
fn generous() -> DefaultCeilings {
    ceilings_usd(1.0, 5.0, 100.0)
}

/// The shared test gateway over `model` with this file's limits and ceilings.
fn gateway(t: &TestDb, model: &ScriptedModel) -> TestGateway {
    TestGateway::new(&t.db)
        .scripted(model)
        .limits(limits())
        .ceilings(generous())
}

fn ctx(tools: &[&str]) -> CallContext {
    CallContext {
        user_id: Some("user-1".into()),
        interview_id: Some("interview-1".into()),
        step: "question".into(),
        prompt_version: Some("interviewer@3".into()),
        allowed_tools: tools.iter().map(|t| t.to_string()).collect(),
        context_ids: vec!["chunk-7".into()],
        screening: Vec::new(),
        slot_wait: None,
    }
}

fn tool(name: &str) -> ToolSpec {
    ToolSpec {
        name: name.into(),
        description: format!("{name} tool"),
        parameters: serde_json::json!({"type": "object"}),
    }
}

fn request(text: &str) -> ChatRequest {
    chat_request("You interview.", text, 64)
}

struct Echo;

#[async_trait::async_trait]
impl ToolExecutor for Echo {
    async fn execute(&self, call: &ToolCall) -> Result<String, String> {
        Ok(format!("results for {}", call.arguments))
    }
}

struct Slow;

#[async_trait::async_trait]
impl ToolExecutor for Slow {
    async fn execute(&self, _call: &ToolCall) -> Result<String, String> {
        tokio::time::sleep(Duration::from_secs(30)).await;
        Ok(String::new())
    }
}

async fn a_model_that_keeps_calling_tools_stops_at_the_iteration_limit(backend: Backend) {
    let t = fresh_db(backend).await;
    let model = ScriptedModel::new(vec![Script::tool(
        "search_job_description",
        r#"{"query":"rust"}"#,
    )
    .with_usage(40, 5)]);
    let gw = gateway(&t, &model).build();
    let turn = TurnLimits {
        max_iterations: 3,
        deadline: Duration::from_secs(30),
    };
    let outcome = run_turn(
        &gw,
        &ctx(&["search_job_description"]),
        request("Hi").messages,
        &[tool("search_job_description")],
        &Echo,
        64,
        turn,
    )
    .await
    .expect("turn");
    match outcome {
        TurnOutcome::IterationLimit { calls } => assert_eq!(calls.len(), 3),
        other => panic!("expected the iteration limit, got {other:?}"),
    }
    assert_eq!(model.calls(), 3, "no fourth call was made");
    let traces = traces_of(&gw, "interview-1").await;
    assert_eq!(traces.len(), 3);
    assert!(traces
        .iter()
        .all(|t| t.status == "ok" && t.tool_calls_json.contains("search_job_description")));
    // The model saw the tool results fed back.
    let last = model.requests().pop().expect("requests");
    assert!(last
        .messages
        .iter()
        .any(|m| m.content.contains("results for")));
}
both_backends!(a_model_that_keeps_calling_tools_stops_at_the_iteration_limit);

async fn a_tool_outside_the_allow_list_is_refused_and_recorded(backend: Backend) {
    let t = fresh_db(backend).await;
    let model = ScriptedModel::new(vec![
        Script::tool("drop_all_tables", "{}"),
        Script::text("Fine, no tools then."),
    ]);
    let gw = gateway(&t, &model).build();
    let turn = TurnLimits {
        max_iterations: 4,
        deadline: Duration::from_secs(30),
    };
    let tools = [tool("search_job_description"), tool("drop_all_tables")];
    let outcome = run_turn(
        &gw,
        &ctx(&["search_job_description"]),
        request("Hi").messages,
        &tools,
        &Echo,
        64,
        turn,
    )
    .await
    .expect("turn");
    assert!(
        matches!(outcome, TurnOutcome::Answer { ref text, .. } if text.contains("no tools")),
        "{outcome:?}"
    );
    let offered: Vec<String> = model.requests()[0]
        .tools
        .iter()
        .map(|t| t.name.clone())
        .collect();
    assert_eq!(
        offered,
        vec!["search_job_description".to_owned()],
        "only allowed tools are offered"
    );
    let traces = traces_of(&gw, "interview-1").await;
    let refused = traces
        .iter()
        .find(|t| t.refused_tools_json.contains("drop_all_tables"))
        .expect("refusal recorded");
    assert_eq!(refused.tool_calls_json, "[]");
    let second = &model.requests()[1];
    assert!(
        second
            .messages
            .iter()
            .any(|m| m.content.contains("not available")),
        "the model is told"
    );
}
both_backends!(a_tool_outside_the_allow_list_is_refused_and_recorded);

async fn a_ceiling_refuses_the_call_before_it_is_made_until_an_admin_raises_it(backend: Backend) {
    let t = fresh_db(backend).await;
    let model = ScriptedModel::new(vec![
        Script::text("Tell me about a system you designed.").with_usage(1000, 100)
    ]);
    // One call costs 1000*1e3 + 100*2e3 = 1.2e6 nanos; a small request's worst case (64 reply
    // tokens plus its prompt estimate) is about 0.14e6, so a second call would pass 1.25e6.
    let ceilings = DefaultCeilings {
        interview: 1_250_000,
        user_day: usd_to_nanos(5.0),
        global_day: usd_to_nanos(5.0),
    };
    let gw = gateway(&t, &model).ceilings(ceilings).build();
    let first = gw
        .complete(ctx(&[]), request("Start"))
        .await
        .expect("first call fits");
    assert_eq!(first.cost, 1_200_000, "charged at actual usage");
    let second = gw.complete(ctx(&[]), request("Next")).await;
    match second {
        Err(GatewayError::CeilingReached {
            scope: Scope::Interview,
            used,
            limit,
        }) => {
            assert_eq!(used, 1_200_000);
            assert_eq!(limit, 1_250_000);
        }
        other => panic!("expected the interview ceiling, got {other:?}"),
    }
    assert_eq!(model.calls(), 1, "the refused call never reached the model");
    let traces = traces_of(&gw, "interview-1").await;
    assert!(traces.iter().any(|t| t.status == "over_budget"));

    gw.budget()
        .set_ceiling(Scope::Interview, usd_to_nanos(1.0), "admin@x.io")
        .await
        .expect("raise");
    gw.complete(ctx(&[]), request("Next"))
        .await
        .expect("fits after the raise");
    assert_eq!(model.calls(), 2);

    // Another interview of the same user is limited by the user's daily ceiling.
    gw.budget()
        .set_ceiling(Scope::UserDay, 2_450_000, "admin@x.io")
        .await
        .expect("lower");
    let mut other = ctx(&[]);
    other.interview_id = Some("interview-2".into());
    let refused = gw.complete(other, request("Hello")).await;
    assert!(
        matches!(
            refused,
            Err(GatewayError::CeilingReached {
                scope: Scope::UserDay,
                ..
            })
        ),
        "{refused:?}"
    );
}
both_backends!(a_ceiling_refuses_the_call_before_it_is_made_until_an_admin_raises_it);

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
    assert_eq!(trace.status, "ok");
    assert_eq!(trace.provider, "scripted");
    assert_eq!(trace.model, "scripted-test-double");
    assert_eq!(trace.step, "question");
    assert_eq!(trace.prompt_version.as_deref(), Some("interviewer@3"));
    assert_eq!(trace.context_ids, r#"["chunk-7"]"#);
    assert!(trace.request_json.contains("Ask me something"));
    assert!(trace.request_json.contains("You interview."));
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
    assert_eq!(trace.status, "cancelled");
    assert!(
        trace.output.starts_with("t0 ") && !trace.output.contains("t199"),
        "{}",
        trace.output
    );
    assert!(trace.cost_nanos > 0, "what was generated is still charged");
}
both_backends!(dropping_the_receiver_cancels_the_call);

/// A reservation needs exactly one database connection, its own transaction's. Reading the
/// spend through the pool while holding SQLite's write lock made every writer wait for its busy
/// timeout once the pool ran dry under load (200 candidates: sends p99 20 s instead of 0.4 s).
/// With all but one connection taken, a reservation still goes through.
async fn a_reservation_needs_only_its_own_connection(backend: Backend) {
    let t = fresh_db(backend).await;
    let budget = BudgetStore::new(&t.db, generous());
    let max = t.db.pool().options().get_max_connections() as usize;
    let mut held = Vec::new();
    for _ in 1..max {
        held.push(t.db.pool().acquire().await.expect("a connection"));
    }
    let payer = rehearse_llm::budget::Payer {
        user_id: Some("user-1".into()),
        interview_id: Some("interview-1".into()),
    };
    tokio::time::timeout(
        Duration::from_secs(20),
        budget.reserve("call-1", &payer, 1_000),
    )
    .await
    .expect("the reservation did not wait for a second connection")
    .expect("reserved");
    drop(held);
}
both_backends!(a_reservation_needs_only_its_own_connection);

/// Calls opening at the same moment share one write (their trace rows and reservations), and
/// the ceilings hold exactly as with one transaction each: forty calls of 1,000 against an
/// interview ceiling of 10,000 open ten, refuse thirty, and every one has its trace row.
async fn calls_opening_together_keep_the_ceilings(backend: Backend) {
    use rehearse_llm::budget::{BudgetError, Opening, Payer};
    use rehearse_llm::testing::test_trace;
    let t = fresh_db(backend).await;
    let ceilings = DefaultCeilings {
        interview: 10_000,
        user_day: 1_000_000,
        global_day: 1_000_000,
    };
    let budget = Arc::new(BudgetStore::new(&t.db, ceilings));
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let budget = budget.clone();
            tokio::spawn(async move {
                let id = format!("call-{i}");
                budget
                    .open(Opening {
                        call_id: id.clone(),
                        payer: Payer {
                            user_id: Some("user-1".into()),
                            interview_id: Some("interview-1".into()),
                        },
                        amount: 1_000,
                        trace: test_trace(id),
                    })
                    .await
            })
        })
        .collect();
    let mut opened = 0;
    for task in tasks {
        match task.await.expect("the task") {
            Ok(()) => opened += 1,
            Err(BudgetError::CeilingReached { scope, .. }) => assert_eq!(scope, Scope::Interview),
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(opened, 10, "the ceiling admits exactly ten");
    let count = |sql: &'static str| {
        let pool = t.db.pool().clone();
        async move {
            let row = sqlx::query(sql).fetch_one(&pool).await.expect("count");
            sqlx::Row::try_get::<i64, _>(&row, "n").expect("n")
        }
    };
    assert_eq!(count("SELECT COUNT(*) AS n FROM spend").await, 10);
    assert_eq!(count("SELECT COUNT(*) AS n FROM model_calls").await, 40);
}
both_backends!(calls_opening_together_keep_the_ceilings);
