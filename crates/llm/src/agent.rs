//! One agent turn: call the model, run the tools it asks for (allowed ones only), feed the
//! results back, and repeat until it answers in words, under an iteration limit and a deadline
//! for the whole turn. A model that keeps calling tools ends the turn at the limit instead of
//! burning money.

use crate::gateway::{CallContext, CallSummary, Gateway, GatewayError, TimeoutPhase};
use crate::types::{ChatMessage, ChatRequest, MessageRole, ToolCall, ToolSpec};
use std::time::Duration;

/// Runs a tool the agent allowed. The error text is shown to the model as the tool's result.
#[async_trait::async_trait]
pub trait ToolExecutor: Send + Sync {
    async fn execute(&self, call: &ToolCall) -> Result<String, String>;
}

#[derive(Debug, Clone, Copy)]
pub struct TurnLimits {
    /// Model calls allowed in one turn.
    pub max_iterations: u32,
    /// Wall-clock limit for the whole turn, tools included.
    pub deadline: Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TurnOutcome {
    /// The model answered in words.
    Answer {
        text: String,
        calls: Vec<CallSummary>,
    },
    /// The iteration limit ended the turn while the model still wanted tools.
    IterationLimit { calls: Vec<CallSummary> },
}

pub async fn run_turn(
    gateway: &Gateway,
    ctx: &CallContext,
    mut messages: Vec<ChatMessage>,
    tools: &[ToolSpec],
    executor: &dyn ToolExecutor,
    max_tokens: u32,
    limits: TurnLimits,
) -> Result<TurnOutcome, GatewayError> {
    let turn = async {
        let mut calls = Vec::new();
        for _ in 0..limits.max_iterations {
            let request = ChatRequest {
                messages: messages.clone(),
                tools: tools.to_vec(),
                max_tokens,
                temperature: None,
            };
            let summary = gateway.complete(ctx.clone(), request).await?;
            if summary.tool_calls.is_empty() && summary.refused_tools.is_empty() {
                let text = summary.output.clone();
                calls.push(summary);
                return Ok(TurnOutcome::Answer { text, calls });
            }
            let mut assistant = ChatMessage::assistant(summary.output.clone());
            assistant.tool_calls = summary
                .tool_calls
                .iter()
                .chain(&summary.refused_tools)
                .cloned()
                .collect();
            messages.push(assistant);
            for call in &summary.tool_calls {
                let result = executor
                    .execute(call)
                    .await
                    .unwrap_or_else(|e| format!("error: {e}"));
                messages.push(ChatMessage::tool_result(call.id.clone(), result));
            }
            for call in &summary.refused_tools {
                messages.push(ChatMessage::tool_result(
                    call.id.clone(),
                    format!("The tool {} is not available.", call.name),
                ));
            }
            calls.push(summary);
        }
        Ok(TurnOutcome::IterationLimit { calls })
    };
    match tokio::time::timeout(limits.deadline, turn).await {
        Ok(outcome) => outcome,
        Err(_) => Err(GatewayError::Timeout(TimeoutPhase::Turn)),
    }
}

/// Whether a message list ends with the model's own words (for callers that resume a turn).
pub fn ends_with_answer(messages: &[ChatMessage]) -> bool {
    messages
        .last()
        .is_some_and(|m| m.role == MessageRole::Assistant && m.tool_calls.is_empty())
}
