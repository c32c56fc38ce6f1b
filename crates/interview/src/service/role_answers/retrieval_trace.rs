//! The trace of an answer about the role that made no model call (an extractive answer): what
//! was asked, the chunks found with every score, what was answered and the verdict, so such an
//! answer has a trace for admins and reviewers like any model call's.

use super::{Asked, RoleReply, STEP};
use crate::service::InterviewService;
use rehearse_llm::trace::{CallStatus, NewTrace, TraceEnd};

/// What a retrieval trace records besides the question.
pub(super) struct Retrieved<'a> {
    pub(super) reply: &'a RoleReply,
    /// Every chunk considered, with its scores (see `rehearse_types::TraceChunk`).
    pub(super) chunks: Vec<serde_json::Value>,
    pub(super) started_at: i64,
    pub(super) clock: std::time::Instant,
}

impl InterviewService {
    /// Writes the trace of an answer that made no model call: what was asked, which chunks
    /// were found with every score, what was answered and the verdict. Admins read it like any
    /// model call's trace; a failure to write it is logged, never the candidate's problem.
    pub(super) async fn retrieval_trace(
        &self,
        asked: Asked<'_>,
        retrieved: Retrieved<'_>,
    ) -> Option<String> {
        let (interview, role, question) = (asked.interview, asked.role, asked.question);
        let Retrieved {
            reply,
            chunks,
            started_at,
            clock,
        } = retrieved;
        let id = uuid::Uuid::new_v4().to_string();
        let request = serde_json::json!({
            "question": question,
            "role": role.slug(),
            "mode": "extractive",
            "verdict": reply.outcome.as_str(),
            "flags": reply.grounded.flags,
            "chunks": chunks,
        });
        let cited: Vec<&str> = reply
            .grounded
            .citations
            .iter()
            .map(|c| c.chunk_id.as_str())
            .collect();
        let traces = self.gateway.traces();
        let start = NewTrace {
            id: id.clone(),
            started_at,
            user_id: Some(interview.user_id.clone()),
            interview_id: Some(interview.id.clone()),
            step: STEP.to_owned(),
            provider: "knowledge".to_owned(),
            model: "extractive".to_owned(),
            prompt_version: None,
            request_json: request.to_string(),
            context_ids_json: serde_json::to_string(&cited).unwrap_or_else(|_| "[]".into()),
            screening_json: "[]".to_owned(),
        };
        let end = TraceEnd {
            status: CallStatus::Ok,
            provider: "knowledge",
            model: "extractive",
            attempts_json: "[]",
            output: &reply.text,
            tool_calls_json: "[]",
            refused_tools_json: "[]",
            ttft_ms: None,
            latency_ms: clock.elapsed().as_millis() as i64,
            prompt_tokens: 0,
            completion_tokens: 0,
            cost_nanos: 0,
            error: None,
        };
        let written = match traces.start(&start).await {
            Ok(()) => traces.end(&id, end).await,
            Err(e) => Err(e),
        };
        match written {
            Ok(()) => Some(id),
            Err(e) => {
                tracing::warn!(error = %e, "could not write the retrieval trace of a role answer");
                None
            }
        }
    }
}
