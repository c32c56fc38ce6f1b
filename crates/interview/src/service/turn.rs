//! One interviewer turn: [`flow::next`] decides what happens, each reply is built from the
//! role (questions phrased by the model, answers about the role from the knowledge base), the
//! replies are committed and then the new phase.

use super::{InterviewService, ServiceError};
use crate::flow::{self, Action, Phase};
use crate::live::LiveEvent;
use crate::questions;
use crate::roles::Role;
use crate::scoring;
use crate::store::{Author, Grounded, Interview, Message, Status, Submitted, TurnJob, TURN_JOB};
use futures::FutureExt;
use std::panic::AssertUnwindSafe;

/// A running turn's lease: renewed every third of it while the turn runs; after a crash, the
/// turn is played again once it runs out (at once on the embedded database, whose server
/// releases its own interrupted turns at start).
pub const TURN_LEASE_MS: i64 = 15_000;

/// What the candidate reads when a turn failed and will be tried again by itself.
const TURN_RETRYING: &str =
    "The interviewer could not answer just now. Your message is saved; trying again.";
/// What the candidate reads when a turn failed for good.
const TURN_FAILED: &str =
    "The interviewer could not answer. Your message is saved; press Retry to try again.";

fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned())
}

impl InterviewService {
    /// Runs one queued interviewer turn, if there is one; true if it ran one. The server's
    /// worker calls this; tests call it to drain the queue deterministically.
    ///
    /// The job holds a lease renewed while the turn runs; if the process dies the lease runs
    /// out and the turn is played again (see [`TURN_LEASE_MS`]). A failure or a panic is
    /// recorded on the job and retried with backoff; the candidate is told either way, and a
    /// turn that failed for good offers them a retry.
    pub async fn run_next_turn(&self) -> Result<bool, ServiceError> {
        let Some(job) = self.jobs.claim_leased(&[TURN_JOB], TURN_LEASE_MS).await? else {
            return Ok(false);
        };
        let turn = match job.read::<TurnJob>() {
            Ok(t) => t,
            Err(e) => {
                self.jobs.fail(&job, &e.to_string()).await?;
                return Ok(true);
            }
        };
        let heartbeat = {
            let jobs = self.jobs.clone();
            let job = job.clone();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(std::time::Duration::from_millis(
                    (TURN_LEASE_MS / 3) as u64,
                ));
                tick.tick().await;
                loop {
                    tick.tick().await;
                    match jobs.heartbeat(&job, TURN_LEASE_MS).await {
                        Ok(true) => {}
                        // Another worker has it now; the replies are keyed, so both runs
                        // together still store each reply once.
                        Ok(false) => tracing::warn!(job = %job.id, "a turn's lease was taken over"),
                        Err(e) => {
                            tracing::warn!(job = %job.id, error = %e, "could not renew a turn's lease")
                        }
                    }
                }
            })
        };
        let outcome = AssertUnwindSafe(self.play(&turn)).catch_unwind().await;
        heartbeat.abort();
        self.live.end_turn(&turn.interview_id);
        let error = match outcome {
            Ok(Ok(())) => {
                self.jobs.complete(&job).await?;
                return Ok(true);
            }
            Ok(Err(e)) => e.to_string(),
            Err(panic) => format!("the turn panicked: {}", panic_text(&*panic)),
        };
        tracing::error!(interview = %turn.interview_id, attempt = job.attempts, %error, "interviewer turn failed");
        let dead = self.jobs.fail(&job, &error).await?;
        self.live.publish(
            &turn.interview_id,
            LiveEvent::TurnFailed {
                retrying: !dead,
                message: if dead {
                    TURN_FAILED.to_owned()
                } else {
                    TURN_RETRYING.to_owned()
                },
            },
        );
        Ok(true)
    }

    /// Plays the turn that answers one candidate message, idempotently: a turn already
    /// completed does nothing, replies already committed by an interrupted run are kept (not
    /// asked again), and the phase moves by compare-and-set.
    async fn play(&self, job: &TurnJob) -> Result<(), ServiceError> {
        let Some(interview) = self.store.get(&job.interview_id).await? else {
            return Ok(());
        };
        let Some(message) = self.store.message(&job.message_id).await? else {
            return Ok(());
        };
        // Done is decided by `turn_seq`, not the status: the report marks the interview done
        // before the phase update, and a crash in between must still finish the turn.
        if interview.turn_seq >= message.seq {
            return Ok(());
        }
        let stop = match self.live.begin_turn(&interview.id, message.seq) {
            Some(stop) => stop,
            None => {
                // A stale marker from a run that ended without clearing it.
                self.live.end_turn(&interview.id);
                self.live
                    .begin_turn(&interview.id, message.seq)
                    .ok_or(ServiceError::Busy)?
            }
        };
        let mut interview = interview;
        interview.status = Status::Active;
        // Cut at the deadline: what was committed is keyed, so the retry goes on from there.
        tokio::time::timeout(self.turn_deadline, self.turn(interview, &message, stop))
            .await
            .map_err(|_| ServiceError::Deadline(self.turn_deadline))?
    }

    /// One interviewer turn. Commits the replies, then the new phase.
    pub(super) async fn turn(
        &self,
        interview: Interview,
        answered: &Message,
        stop: tokio::sync::watch::Receiver<bool>,
    ) -> Result<(), ServiceError> {
        let message = answered.content.as_str();
        let role = self.role(&interview.role_slug).await?;
        let Some((phase, actions)) = flow::next(
            &interview.phase,
            &interview.config,
            &role,
            &interview.plan,
            message,
        ) else {
            return Err(ServiceError::Over);
        };
        // The last reply is announced only once the phase has moved: a candidate who answers
        // it at once must find the turn complete, not be told to wait (409).
        let last = actions.len().saturating_sub(1);
        let mut closing = None;
        // A held note on the report, announced after the closing message.
        let mut report_note = None;
        for (i, action) in actions.into_iter().enumerate() {
            // Each reply is keyed by the message it answers: a replayed turn finds it stored.
            // `:` never appears in a candidate's key, so the two cannot collide.
            let reply_key = format!("reply:{}:{i}", answered.id);
            let found = self.store.message_by_key(&interview.id, &reply_key).await?;
            // The stored reply, and whether this run stored it (not when a replayed turn found it).
            let (stored, fresh) = match found {
                Some(done) => (done, false),
                None => {
                    let written = self
                        .write_reply(&interview, &role, &action, message, &reply_key, &stop)
                        .await?;
                    // None when a phrasing paused the interview: the turn ends there.
                    let Some(m) = written else {
                        return Ok(());
                    };
                    crate::faults::point(crate::faults::BETWEEN_REPLY_AND_PHASE).await;
                    (m, true)
                }
            };
            if i == last {
                closing = Some(stored);
            } else {
                self.live
                    .publish(&interview.id, LiveEvent::Message { message: stored });
            }
            if action == Action::WrapUp {
                if fresh {
                    crate::faults::point(crate::faults::WHILE_REPORT).await;
                }
                // A replayed turn writes it too: the run that stored the wrap-up may have died
                // before the report.
                report_note = self.write_report(&interview, &role).await?;
            }
        }
        let status = if phase == Phase::Done {
            Status::Done
        } else {
            Status::Active
        };
        if !self
            .store
            .finish_turn(&interview.id, answered.seq, &phase, status)
            .await?
        {
            // Another run of this turn completed it first, and announced its replies.
            return Ok(());
        }
        for message in closing.into_iter().chain(report_note) {
            self.live
                .publish(&interview.id, LiveEvent::Message { message });
        }
        // The turn is complete; a summary that cannot be queued now is queued after a later one.
        if let Err(e) = self.maybe_enqueue_summary(&interview.id).await {
            tracing::warn!(interview = %interview.id, error = %e, "could not queue the summary");
        }
        if status == Status::Done {
            self.live.publish(&interview.id, LiveEvent::Finished);
        }
        Ok(())
    }

    /// Builds the reply `action` calls for and stores it under `reply_key`: a question phrased
    /// by the model (or as built), an answer about the role, or a fixed line. None when a
    /// phrasing paused the interview.
    async fn write_reply(
        &self,
        interview: &Interview,
        role: &Role,
        action: &Action,
        message: &str,
        reply_key: &str,
        stop: &tokio::sync::watch::Receiver<bool>,
    ) -> Result<Option<Message>, ServiceError> {
        let mut grounded = Grounded::default();
        let reply = match action {
            Action::AskMain { requirement_id, .. } => {
                let r = requirement(role, requirement_id)?;
                let built = questions::main_question(r, interview.kind, interview.difficulty);
                let about = format!("This question covers: {}", r.text);
                self.phrase_or_pause(interview, role, &built, requirement_id, &about, stop)
                    .await?
            }
            Action::FollowUp {
                requirement_id,
                reason,
                ..
            } => {
                let r = requirement(role, requirement_id)?;
                let built = questions::follow_up(r, *reason);
                if self.capable {
                    // A capable model reacts to the answer it follows up on (the conversation
                    // is in its prompt); the built follow-up stands whenever its phrasing fails
                    // the checks.
                    let about = format!(
                        "This follow-up is about: {}\nRefer to what the candidate just said.",
                        r.text
                    );
                    self.phrase_or_pause(interview, role, &built, requirement_id, &about, stop)
                        .await?
                } else {
                    Some((built, Some(requirement_id.clone()), None))
                }
            }
            Action::InviteQuestions => Some((questions::INVITE.to_owned(), None, None)),
            Action::AnswerRoleQuestion => {
                let reply = self.answer_about_role(interview, role, message, stop).await;
                grounded = reply.grounded;
                Some((reply.text, None, reply.trace_id))
            }
            Action::WrapUp => Some((questions::WRAP_UP.to_owned(), None, None)),
        };
        let Some((text, requirement_id, call_id)) = reply else {
            return Ok(None);
        };
        let committed = self
            .store
            .append_grounded(
                &interview.id,
                Author::Interviewer,
                &text,
                requirement_id.as_deref(),
                Some(reply_key),
                call_id.as_deref(),
                grounded,
            )
            .await?;
        let (Submitted::New(m) | Submitted::Duplicate(m)) = committed;
        Ok(Some(m))
    }

    /// The reply that asks about requirement `requirement_id`: the model's phrasing of `built`
    /// (or `built` itself), with the requirement and the call's trace. The model is told the
    /// role and `about` (what the question covers). None when a cost ceiling stopped the call
    /// and the interview is now paused.
    async fn phrase_or_pause(
        &self,
        interview: &Interview,
        role: &Role,
        built: &str,
        requirement_id: &str,
        about: &str,
        stop: &tokio::sync::watch::Receiver<bool>,
    ) -> Result<Option<(String, Option<String>, Option<String>)>, ServiceError> {
        let context = format!("{}: {}\n{about}", role.title, role.summary);
        match self
            .phrase(interview, built, requirement_id, &context, stop.clone())
            .await
        {
            Ok((text, call)) => Ok(Some((text, Some(requirement_id.to_owned()), call))),
            Err(paused) => self.pause(interview, &paused).await.map(|()| None),
        }
    }

    async fn pause(&self, interview: &Interview, reason: &str) -> Result<(), ServiceError> {
        self.store
            .set_phase(
                &interview.id,
                &interview.phase,
                Status::Paused,
                Some(reason),
            )
            .await?;
        self.live.publish(
            &interview.id,
            LiveEvent::Paused {
                reason: reason.to_owned(),
            },
        );
        Ok(())
    }
}

fn requirement<'a>(
    role: &'a Role,
    id: &str,
) -> Result<&'a crate::roles::Requirement, ServiceError> {
    role.requirements
        .iter()
        .find(|r| r.id == id)
        .ok_or(ServiceError::UnknownRole)
}

/// Pairs each candidate answer with the requirement of the question it answers.
pub fn answers_by_requirement(messages: &[Message]) -> Vec<scoring::Answered> {
    let mut current: Option<(String, String)> = None;
    let mut out = Vec::new();
    for m in messages {
        if m.author == Author::Interviewer {
            current = m.requirement_id.clone().map(|r| (r, m.content.clone()));
        } else if let Some((r, question)) = &current {
            out.push(scoring::Answered {
                requirement_id: r.clone(),
                question: question.clone(),
                text: m.content.clone(),
            });
        }
    }
    out
}
