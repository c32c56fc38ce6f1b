//! Tools in a turn: a model that keeps calling tools stops at the iteration limit, and a tool
//! outside the allow-list is never offered, refused when asked for, and recorded.

use crate::fixture::{ctx, gateway, request, tool};
use rehearse_llm::agent::{run_turn, ToolExecutor, TurnLimits, TurnOutcome};
use rehearse_llm::scripted::{Script, ScriptedModel};
use rehearse_llm::testing::traces_of;
use rehearse_llm::ToolCall;
use rehearse_testkit::{both_backends, fresh_db, Backend};
use std::time::Duration;

struct Echo;

#[async_trait::async_trait]
impl ToolExecutor for Echo {
    async fn execute(&self, call: &ToolCall) -> Result<String, String> {
        Ok(format!("results for {}", call.arguments))
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
        .all(|t| t.status == rehearse_llm::trace::CallStatus::Ok
            && t.tool_calls_json.contains("search_job_description")));
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
