//! The model phrases a built question. It only phrases: a failure, a timeout, a stop or a
//! rewrite that does not pass [`questions::accept_rephrasing`] (or that repeats the system
//! prompt's canary) keeps the built question.
//!
//! The model's tokens are held back until the whole phrasing is accepted; then the question
//! that is kept (the phrasing, or the built question) is streamed to the browser: a draft the
//! check rejects is never shown. The phrasing is one short question, so holding it back costs
//! the time to write that question, not a page of text.

use super::InterviewService;
use crate::live::LiveEvent;
use crate::memory;
use crate::questions;
use crate::store::{Author, Interview};
use rehearse_llm::gateway::{CallContext, GatewayError, GatewayEvent};
use rehearse_llm::ChatRequest;

const PHRASE_PROMPT: &str = "phrase_question";

/// How long a phrasing waits in line for a model slot: not at all. Its fallback, the built
/// question, is ready at once, so when every slot is taken the candidate gets it without
/// waiting. (Waiting the full admission wait held one of the few turn workers for it, and a
/// crowd's first questions then arrived one worker-wait at a time: `load-turns --local` at 100
/// candidates, p99 147 s; with a 250 ms wait, 10 s; see the README.)
pub const PHRASING_SLOT_WAIT: std::time::Duration = std::time::Duration::ZERO;

impl InterviewService {
    /// The question to ask: the model's phrasing of `built` when it passes the checks, else
    /// `built` itself. Whichever is kept is then streamed live as the draft (and nothing else
    /// is). Err only for a cost ceiling (the reason to show).
    pub(super) async fn phrase(
        &self,
        interview: &Interview,
        built: &str,
        requirement_id: &str,
        role_context: &str,
        stop: tokio::sync::watch::Receiver<bool>,
    ) -> Result<(String, Option<String>), String> {
        let (kept, call_id) = self
            .draft_phrasing(interview, built, requirement_id, role_context, stop)
            .await?;
        for piece in kept.split_inclusive(' ') {
            self.live.publish(
                &interview.id,
                LiveEvent::Token {
                    text: piece.to_owned(),
                },
            );
        }
        Ok((kept, call_id))
    }

    /// The model's phrasing of `built`, held back until it is complete and accepted; `built`
    /// when the model fails, is stopped, or writes something unacceptable.
    async fn draft_phrasing(
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
        let all = match self.store.messages(&interview.id).await {
            Ok(all) => all,
            Err(e) => {
                tracing::warn!(error = %e, "could not load the conversation; using the built question");
                return Ok((built.to_owned(), None));
            }
        };
        // What the interviewer already said: a phrasing that copies one of those (the model
        // repeating the history) would ask a question twice and never ask this one.
        let earlier: Vec<String> = all
            .iter()
            .filter(|m| m.author == Author::Interviewer)
            .map(|m| m.content.clone())
            .collect();
        let turns = all
            .into_iter()
            // A held answer is not the candidate's to see, so it is not the model's to repeat.
            .filter(|m| m.seq > interview.summary_upto && !m.held)
            .collect::<Vec<_>>();
        let task = format!("Rewrite this question: {built}");
        let assembled = memory::assemble(
            &system,
            &self.canary,
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
            slot_wait: Some(PHRASING_SLOT_WAIT),
        };
        let request = ChatRequest {
            messages: assembled.messages,
            tools: Vec::new(),
            max_tokens: 96,
            temperature: Some(0.3),
        };
        // Stop counts from the moment the call begins, not from its first token: a provider
        // that never answers must not hold the turn (dropping the start aborts the request and
        // marks its trace cancelled).
        let started = tokio::select! {
            started = self.gateway.start(ctx, request) => started,
            _ = stop.changed() => return Ok((built.to_owned(), None)),
        };
        let mut handle = match started {
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
                    // Held back: the accepted text is streamed once it is known.
                    Some(GatewayEvent::Token(_)) => {
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
            Ok(Ok(summary)) if self.acceptable(built, &summary.output, &earlier) => {
                Ok((summary.output.trim().to_owned(), Some(call_id)))
            }
            _ => Ok((built.to_owned(), Some(call_id))),
        }
    }

    /// Whether the model's phrasing may be shown: it passes the question check, repeats no
    /// earlier interviewer message and no part of the system prompt's canary.
    fn acceptable(&self, built: &str, output: &str, earlier: &[String]) -> bool {
        let canary = self.canary.to_lowercase();
        let lower = output.to_lowercase();
        let leaks = lower.contains(&canary)
            || lower.contains(canary.trim_start_matches("rh-"))
            || lower.contains("internal marker");
        !leaks
            && questions::accept_rephrasing(built, output)
            && !questions::repeats_earlier(built, output, earlier)
    }
}
