//! The records every call leaves, whatever its outcome: the trace row completed with status,
//! output, timings, cost and the attempts made, and the budget reservation settled. Success,
//! refusal, failure and cancellation all end here, so the bookkeeping is written once and the
//! call flow in the parent only decides which outcome it has. Embedding calls
//! ([`super::Embeddings`]) complete their traces through the same [`end_trace`].

use super::Gateway;
use crate::pricing::Nanos;
use crate::resilience::Attempt;
use crate::trace::{CallStatus, TraceEnd, TraceStore};
use crate::types::{FinishReason, ToolCall, Usage};
use std::time::Instant;

impl Gateway {
    pub(super) async fn fail_before_stream(
        &self,
        call_id: &str,
        status: CallStatus,
        error: &str,
        clock: Instant,
        attempts: &[Attempt],
    ) {
        if let Err(e) = self.budget.settle(call_id, 0).await {
            tracing::error!(error = %e, call_id, "could not settle a failed call");
        }
        let latency = clock.elapsed().as_millis() as i64;
        self.finish_trace(
            call_id,
            status,
            &Collected::default(),
            latency,
            attempts,
            Some(error),
        )
        .await;
    }

    /// Completes the trace of a call that no provider answered: the primary is named, with
    /// whatever attempts were made.
    pub(super) async fn finish_trace(
        &self,
        id: &str,
        status: CallStatus,
        got: &Collected,
        latency: i64,
        attempts: &[Attempt],
        error: Option<&str>,
    ) {
        let served = Served {
            provider: self.model().provider(),
            model: self.model().model(),
            attempts_json: attempts_json(attempts),
        };
        end_trace(
            &self.traces,
            id,
            status,
            got,
            latency,
            None,
            0,
            error,
            &served,
        )
        .await;
    }
}

/// Completes the trace of a call, chat or embedding: what the provider that served it (the
/// primary when none did) produced, with timings, tokens, cost and error. Every ending of
/// every call goes through here, so a trace row is filled the same way whatever wrote it. A
/// failure to write is logged, not returned: the call's own outcome stands.
#[allow(clippy::too_many_arguments)]
pub(super) async fn end_trace(
    traces: &TraceStore,
    id: &str,
    status: CallStatus,
    got: &Collected,
    latency: i64,
    ttft: Option<i64>,
    cost: Nanos,
    error: Option<&str>,
    served: &Served<'_>,
) {
    let usage = got.usage.unwrap_or_default();
    let end = TraceEnd {
        status,
        provider: served.provider,
        model: served.model,
        attempts_json: &served.attempts_json,
        output: &got.output,
        tool_calls_json: &serde_json::to_string(&got.tool_calls).unwrap_or_default(),
        refused_tools_json: &serde_json::to_string(&got.refused).unwrap_or_default(),
        ttft_ms: ttft,
        latency_ms: latency,
        prompt_tokens: usage.prompt_tokens as i64,
        completion_tokens: usage.completion_tokens as i64,
        cost_nanos: cost,
        error,
    };
    if let Err(e) = traces.end(id, end).await {
        tracing::error!(error = %e, call_id = id, "could not complete a trace");
    }
}

/// The provider that answered a call (the primary when none did) and every attempt, for its
/// trace.
pub(super) struct Served<'a> {
    pub(super) provider: &'a str,
    pub(super) model: &'a str,
    pub(super) attempts_json: String,
}

pub(super) fn attempts_json(attempts: &[Attempt]) -> String {
    serde_json::to_string(attempts).unwrap_or_else(|_| "[]".to_owned())
}

#[derive(Debug, Default)]
pub(super) struct Collected {
    pub(super) output: String,
    pub(super) tool_calls: Vec<ToolCall>,
    pub(super) refused: Vec<ToolCall>,
    pub(super) usage: Option<Usage>,
    pub(super) finish: FinishReason,
}
