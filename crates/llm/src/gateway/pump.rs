//! The streaming half of a call: once a provider has produced its first event, the reply is
//! pumped to the caller through the bounded channel under the call timeout, tool calls are
//! checked against the allow-list, and the actual cost is settled. It is the longest single
//! step of a call and runs in its own task, so it lives apart from the set-up in the parent.

use super::records::{attempts_json, end_trace, Collected, Served};
use super::{CallContext, CallSummary, Gateway, GatewayError, GatewayEvent, TimeoutPhase};
use crate::pricing::{estimate_prompt_tokens, estimate_text_tokens};
use crate::provider::LlmError;
use crate::resilience::Opened;
use crate::trace::CallStatus;
use crate::types::{ChatRequest, StreamEvent, Usage};
use futures::StreamExt;
use std::time::Instant;
use tokio::sync::mpsc;

impl Gateway {
    pub(super) async fn pump(
        &self,
        call_id: String,
        ctx: CallContext,
        request: ChatRequest,
        opened: Opened,
        tx: mpsc::Sender<GatewayEvent>,
        clock: Instant,
    ) -> Result<CallSummary, GatewayError> {
        let route = self.chain.route(opened.route);
        let served = Served {
            provider: route.model.provider(),
            model: route.model.model(),
            attempts_json: attempts_json(&opened.attempts),
        };
        let mut stream = opened.stream;
        // One deadline here, the call's: the first-token deadline was spent by the chain, which
        // hands over a stream whose first event has already arrived (`Opened`), so a second one
        // counted from now would only stack on it.
        let deadline = tokio::time::Instant::now() + self.limits.call_timeout;
        let mut got = Collected::default();
        let mut ttft: Option<i64> = None;
        let result: Result<(), (CallStatus, GatewayError)> = loop {
            // A caller that stops reading (Stop pressed) cancels the call at once, not when the
            // provider sends its next token: a slow stream must not hold the turn.
            let next = tokio::select! {
                next = tokio::time::timeout_at(deadline, stream.next()) => next,
                _ = tx.closed() => {
                    break Err((
                        CallStatus::Cancelled,
                        GatewayError::Model(LlmError::Unavailable("cancelled by the caller".into())),
                    ));
                }
            };
            let next = match next {
                Ok(next) => next,
                Err(_) => {
                    break Err((
                        CallStatus::Timeout,
                        GatewayError::Timeout(TimeoutPhase::Call),
                    ))
                }
            };
            let event = match next {
                None => {
                    break Err((
                        CallStatus::Error,
                        GatewayError::Model(LlmError::Protocol(
                            "stream ended without a final event".into(),
                        )),
                    ))
                }
                Some(Err(e)) => break Err((CallStatus::Error, GatewayError::Model(e))),
                Some(Ok(event)) => event,
            };
            if ttft.is_none() {
                ttft = Some(clock.elapsed().as_millis() as i64);
            }
            let forward = match event {
                StreamEvent::Token(text) => {
                    got.output.push_str(&text);
                    GatewayEvent::Token(text)
                }
                StreamEvent::ToolCall(call) if ctx.allowed_tools.contains(&call.name) => {
                    got.tool_calls.push(call.clone());
                    GatewayEvent::ToolCall(call)
                }
                StreamEvent::ToolCall(call) => {
                    tracing::warn!(tool = %call.name, call_id = %call_id, "refused a tool call outside the allow-list");
                    got.refused.push(call.clone());
                    GatewayEvent::ToolRefused(call)
                }
                StreamEvent::Done { finish, usage } => {
                    got.finish = finish;
                    got.usage = usage;
                    break Ok(());
                }
            };
            if tx.send(forward).await.is_err() {
                break Err((
                    CallStatus::Cancelled,
                    GatewayError::Model(LlmError::Unavailable("cancelled by the caller".into())),
                ));
            }
        };
        drop(stream);
        drop(tx);

        let usage = got.usage.unwrap_or(Usage {
            prompt_tokens: estimate_prompt_tokens(&request),
            completion_tokens: estimate_text_tokens(&got.output),
        });
        let cost = route.pricing.cost(usage);
        if let Err(e) = self.budget.settle(&call_id, cost).await {
            tracing::error!(error = %e, call_id = %call_id, "could not settle a call's cost");
        }
        let latency = clock.elapsed().as_millis() as i64;
        got.usage = Some(usage);
        match result {
            Ok(()) => {
                end_trace(
                    &self.traces,
                    &call_id,
                    CallStatus::Ok,
                    &got,
                    latency,
                    ttft,
                    cost,
                    None,
                    &served,
                )
                .await;
                Ok(CallSummary {
                    call_id,
                    output: got.output,
                    tool_calls: got.tool_calls,
                    refused_tools: got.refused,
                    usage,
                    cost,
                    finish: got.finish,
                })
            }
            Err((status, error)) => {
                end_trace(
                    &self.traces,
                    &call_id,
                    status,
                    &got,
                    latency,
                    ttft,
                    cost,
                    Some(&error.to_string()),
                    &served,
                )
                .await;
                Err(error)
            }
        }
    }
}
