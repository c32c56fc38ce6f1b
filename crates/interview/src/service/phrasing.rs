//! The model phrases a built question. It only phrases: a failure, a timeout, a stop or a
//! rewrite that does not pass [`questions::accept_rephrasing`] keeps the built question.

use super::InterviewService;
use crate::live::LiveEvent;
use crate::memory;
use crate::questions;
use crate::store::Interview;
use rehearse_llm::gateway::{CallContext, GatewayError, GatewayEvent};
use rehearse_llm::ChatRequest;

const PHRASE_PROMPT: &str = "phrase_question";

impl InterviewService {
    /// The model's phrasing of `built`, streamed live as a draft; the built question when the
    /// model fails, is stopped, or writes something unacceptable. Err only for a cost ceiling
    /// (the reason to show).
    pub(super) async fn phrase(
        &self,
        interview: &Interview,
        built: &str,
        requirement_id: &str,
        role_context: &str,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) -> Result<(String, Option<String>), String> {
        let (system, version) = match self
            .prompts
            .body(PHRASE_PROMPT, &interview.prompt_pins)
            .await
        {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!(error = %e, "could not load the phrasing prompt; using the built question");
                return Ok((built.to_owned(), None));
            }
        };
        // The conversation since the rolling summary, under the token budget; flagged
        // candidate messages are withheld and their flags go on the trace.
        let turns = match self.store.messages(&interview.id).await {
            Ok(all) => all
                .into_iter()
                // A held answer is not the candidate's to see, so it is not the model's to repeat.
                .filter(|m| m.seq > interview.summary_upto && !m.held)
                .collect::<Vec<_>>(),
            Err(e) => {
                tracing::warn!(error = %e, "could not load the conversation; using the built question");
                return Ok((built.to_owned(), None));
            }
        };
        let task = format!("Rewrite this question: {built}");
        let assembled = memory::assemble(
            &system,
            role_context,
            interview.summary.as_deref(),
            &turns,
            &task,
            self.budget,
        );
        let ctx = CallContext {
            user_id: Some(interview.user_id.clone()),
            interview_id: Some(interview.id.clone()),
            step: PHRASE_PROMPT.into(),
            prompt_version: Some(match version {
                Some(v) => format!("{PHRASE_PROMPT}@{v}"),
                None => format!("{PHRASE_PROMPT}@builtin"),
            }),
            allowed_tools: Vec::new(),
            context_ids: vec![format!("{}#{requirement_id}", interview.role_slug)],
            screening: assembled.flags,
        };
        let request = ChatRequest {
            messages: assembled.messages,
            tools: Vec::new(),
            max_tokens: 96,
            temperature: Some(0.3),
        };
        let mut handle = match self.gateway.start(ctx, request).await {
            Ok(h) => h,
            Err(GatewayError::CeilingReached { scope, .. }) => {
                return Err(format!("The interview is paused: {scope} is used up. An admin can raise it; nothing you wrote is lost."))
            }
            Err(e) => {
                tracing::warn!(error = %e, "phrasing failed; using the built question");
                return Ok((built.to_owned(), None));
            }
        };
        let call_id = handle.call_id.clone();
        loop {
            tokio::select! {
                event = handle.events.recv() => match event {
                    Some(GatewayEvent::Token(t)) => {
                        self.live.publish(&interview.id, LiveEvent::Token { text: t });
                        crate::faults::point(crate::faults::WHILE_STREAMING).await;
                    }
                    Some(_) => {}
                    None => break,
                },
                _ = stop.changed() => {
                    // Dropping the receiver cancels the call and the upstream request.
                    drop(handle.events);
                    let _ = handle.outcome.await;
                    return Ok((built.to_owned(), Some(call_id)));
                }
            }
        }
        match handle.outcome.await {
            Ok(Ok(summary)) if questions::accept_rephrasing(built, &summary.output) => {
                Ok((summary.output.trim().to_owned(), Some(call_id)))
            }
            _ => Ok((built.to_owned(), Some(call_id))),
        }
    }
}
