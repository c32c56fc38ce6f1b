//! Running interviews: start one, take the candidate's message (committed before anything
//! else happens), and play the interviewer's turn in the background.
//!
//! A turn asks [`flow::next`] what to do, builds each reply from the role, and lets the model
//! phrase questions through the gateway (the one choke point for cost, limits and traces). The
//! model only phrases: if it fails, times out, is stopped, or writes something that does not
//! pass [`questions::accept_rephrasing`], the built question is used. Only a cost ceiling stops
//! the interview, and then it pauses with the candidate's message kept, to be resumed.

use crate::answers;
use crate::flow::{self, Action, Difficulty, FlowConfig, Kind, Phase};
use crate::live::{LiveEvent, LiveHub};
use crate::memory::{self, TokenBudget};
use crate::prompts::PromptStore;
use crate::questions;
use crate::roles::{self, Role};
use crate::scoring;
use crate::store::{Grounded, Interview, InterviewStore, Message, Status, Submitted};
use rehearse_db::{now_ms, DbError, JobQueue};
use rehearse_llm::gateway::{CallContext, Gateway, GatewayError, GatewayEvent};
use rehearse_llm::ChatRequest;

/// The longest candidate message accepted, in characters.
pub const MAX_MESSAGE_CHARS: usize = 4000;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("no such interview")]
    NotFound,
    #[error("unknown role")]
    UnknownRole,
    #[error("{0}")]
    Invalid(String),
    #[error("the interview is over")]
    Over,
    #[error("the interviewer is still answering")]
    Busy,
    #[error(transparent)]
    Db(#[from] DbError),
}

#[derive(Clone)]
pub struct InterviewService {
    store: InterviewStore,
    prompts: PromptStore,
    gateway: Gateway,
    live: LiveHub,
    jobs: JobQueue,
    budget: TokenBudget,
    knowledge: Option<rehearse_knowledge::KnowledgeBase>,
}

/// The background job that folds older turns into the rolling summary.
pub const SUMMARISE_JOB: &str = "summarise_interview";
/// Turns kept verbatim after the summary; older ones are summarised once there are more than
/// [`SUMMARY_THRESHOLD`] unsummarised turns.
pub const KEEP_RECENT: usize = 6;
pub const SUMMARY_THRESHOLD: usize = 10;

const PHRASE_PROMPT: &str = "phrase_question";

impl InterviewService {
    pub fn new(
        store: InterviewStore,
        prompts: PromptStore,
        gateway: Gateway,
        live: LiveHub,
        jobs: JobQueue,
    ) -> Self {
        InterviewService {
            store,
            prompts,
            gateway,
            live,
            jobs,
            budget: TokenBudget {
                history_tokens: 512,
            },
            knowledge: None,
        }
    }

    /// Offers the job descriptions in `knowledge` as roles, and answers questions about them
    /// from their chunks.
    pub fn with_knowledge(mut self, knowledge: rehearse_knowledge::KnowledgeBase) -> Self {
        self.knowledge = Some(knowledge);
        self
    }

    pub fn knowledge(&self) -> Option<&rehearse_knowledge::KnowledgeBase> {
        self.knowledge.as_ref()
    }

    /// A role by slug: a built-in sample, or an uploaded job-description version (`jd:<id>`).
    pub async fn role(&self, slug: &str) -> Result<Role, ServiceError> {
        if let Some(version_id) = slug.strip_prefix("jd:") {
            let kb = self.knowledge.as_ref().ok_or(ServiceError::UnknownRole)?;
            let v = kb
                .catalog()
                .version(version_id)
                .await?
                .ok_or(ServiceError::UnknownRole)?;
            return Ok(roles::from_version(&v));
        }
        roles::find(slug).ok_or(ServiceError::UnknownRole)
    }

    /// The roles a candidate can start: the samples, then every searchable job description.
    pub async fn available_roles(&self) -> Result<Vec<Role>, ServiceError> {
        let mut out = roles::samples();
        if let Some(kb) = &self.knowledge {
            out.extend(
                kb.catalog()
                    .ready_latest()
                    .await?
                    .iter()
                    .map(roles::from_version),
            );
        }
        Ok(out)
    }

    /// Sets how much conversation a model call may carry.
    pub fn with_budget(mut self, budget: TokenBudget) -> Self {
        self.budget = budget;
        self
    }

    /// Runs one pending background job, if there is one; true if it ran one. The server's
    /// worker loop calls this; tests call it to drain the queue deterministically.
    pub async fn run_next_job(&self) -> Result<bool, ServiceError> {
        let Some(job) = self.jobs.claim(&[SUMMARISE_JOB]).await? else {
            return Ok(false);
        };
        match self.summarise(&job.payload).await {
            Ok(()) => self.jobs.complete(&job.id).await?,
            Err(e) => self.jobs.fail(&job, &e.to_string()).await?,
        }
        Ok(true)
    }

    /// Folds every turn but the last [`KEEP_RECENT`] into the rolling summary.
    async fn summarise(&self, interview_id: &str) -> Result<(), ServiceError> {
        let interview = self
            .store
            .get(interview_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let messages = self.store.messages(interview_id).await?;
        let pending: Vec<_> = messages
            .into_iter()
            .filter(|m| m.seq > interview.summary_upto)
            .collect();
        if pending.len() <= KEEP_RECENT {
            return Ok(());
        }
        let fold = &pending[..pending.len() - KEEP_RECENT];
        let upto = fold.last().map(|m| m.seq).unwrap_or(interview.summary_upto);
        let summary = memory::summarise(interview.summary.as_deref(), fold);
        self.store.set_summary(interview_id, &summary, upto).await?;
        Ok(())
    }

    /// Enqueues a summary once enough turns have piled up since the last one.
    async fn maybe_enqueue_summary(&self, interview_id: &str) -> Result<(), ServiceError> {
        let interview = self
            .store
            .get(interview_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let messages = self.store.messages(interview_id).await?;
        let unsummarised = messages
            .iter()
            .filter(|m| m.seq > interview.summary_upto)
            .count();
        if unsummarised > SUMMARY_THRESHOLD {
            self.jobs
                .enqueue(
                    SUMMARISE_JOB,
                    interview_id,
                    Some(&format!("{SUMMARISE_JOB}:{interview_id}")),
                )
                .await?;
        }
        Ok(())
    }

    pub fn prompts(&self) -> &PromptStore {
        &self.prompts
    }

    pub fn store(&self) -> &InterviewStore {
        &self.store
    }

    pub fn live(&self) -> &LiveHub {
        &self.live
    }

    /// Starts an interview: plan from the role's requirements, greeting posted.
    pub async fn start(
        &self,
        user_id: &str,
        role_slug: &str,
        kind: Kind,
        difficulty: Difficulty,
    ) -> Result<Interview, ServiceError> {
        let role = self.role(role_slug).await?;
        if let (Some(version_id), Some(kb)) = (&role.version_id, &self.knowledge) {
            let searchable = kb
                .catalog()
                .version(version_id)
                .await?
                .is_some_and(|v| v.status == rehearse_knowledge::VersionStatus::Ready);
            if !searchable {
                return Err(ServiceError::UnknownRole);
            }
        }
        let config = FlowConfig::default();
        let plan = flow::plan(&role, &config);
        let interview = Interview {
            id: uuid::Uuid::new_v4().to_string(),
            user_id: user_id.to_owned(),
            role_slug: role.slug.clone(),
            role_title: role.title.clone(),
            kind,
            difficulty,
            config,
            plan,
            phase: Phase::Intro,
            status: Status::Active,
            pause_reason: None,
            report: None,
            prompt_pins: self.prompts.active_pins().await?,
            summary: None,
            summary_upto: 0,
            created_at: now_ms(),
        };
        self.store.create(&interview).await?;
        let greeting = questions::greeting(&role, kind, interview.plan.len());
        self.store
            .append(&interview.id, "interviewer", &greeting, None, None, None)
            .await?;
        Ok(interview)
    }

    /// Validates and commits the candidate's message, then starts the interviewer's turn in the
    /// background. A repeated idempotency key returns the stored message and starts nothing.
    pub async fn submit(
        &self,
        interview: &Interview,
        text: &str,
        idempotency_key: &str,
    ) -> Result<Submitted, ServiceError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(ServiceError::Invalid("Write a message first.".into()));
        }
        if text.chars().count() > MAX_MESSAGE_CHARS {
            return Err(ServiceError::Invalid(format!(
                "Keep messages under {MAX_MESSAGE_CHARS} characters."
            )));
        }
        let key = idempotency_key.trim();
        if key.is_empty()
            || key.len() > 64
            || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(ServiceError::Invalid(
                "Missing or malformed idempotency key.".into(),
            ));
        }
        if interview.status == Status::Done {
            return Err(ServiceError::Over);
        }
        let Some(stop) = self.live.begin_turn(&interview.id) else {
            // A resubmission while its own turn runs is still a duplicate, not an error.
            return match self
                .store
                .append(&interview.id, "candidate", text, None, Some(key), None)
                .await?
            {
                dup @ Submitted::Duplicate(_) => Ok(dup),
                Submitted::New(_) => Err(ServiceError::Busy),
            };
        };
        let submitted = match self
            .store
            .append(&interview.id, "candidate", text, None, Some(key), None)
            .await
        {
            Ok(s) => s,
            Err(e) => {
                self.live.end_turn(&interview.id);
                return Err(e.into());
            }
        };
        match &submitted {
            Submitted::New(message) => {
                self.live.publish(
                    &interview.id,
                    LiveEvent::Message {
                        message: message.clone(),
                    },
                );
                let service = self.clone();
                let interview = interview.clone();
                let text = text.to_owned();
                tokio::spawn(async move {
                    let id = interview.id.clone();
                    if let Err(e) = service.turn(interview, &text, stop).await {
                        tracing::error!(interview = %id, error = %e, "interviewer turn failed");
                    }
                    service.live.end_turn(&id);
                });
            }
            Submitted::Duplicate(_) => self.live.end_turn(&interview.id),
        }
        Ok(submitted)
    }

    /// Resumes a paused interview by replaying the turn for the candidate's last message.
    pub async fn resume(&self, interview: &Interview) -> Result<(), ServiceError> {
        if interview.status != Status::Paused {
            return Ok(());
        }
        let messages = self.store.messages(&interview.id).await?;
        let Some(last) = messages
            .iter()
            .rev()
            .find(|m| m.author == "candidate")
            .cloned()
        else {
            return Ok(());
        };
        let Some(stop) = self.live.begin_turn(&interview.id) else {
            return Err(ServiceError::Busy);
        };
        self.store
            .set_phase(&interview.id, &interview.phase, Status::Active, None)
            .await?;
        let mut interview = interview.clone();
        interview.status = Status::Active;
        let result = self.turn(interview.clone(), &last.content, stop).await;
        self.live.end_turn(&interview.id);
        result
    }

    /// One interviewer turn. Commits the replies, then the new phase.
    async fn turn(
        &self,
        interview: Interview,
        message: &str,
        stop: tokio::sync::watch::Receiver<bool>,
    ) -> Result<(), ServiceError> {
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
        for action in actions {
            let mut grounded = Grounded::default();
            let (text, requirement_id, call_id) = match &action {
                Action::AskMain { requirement_id, .. } => {
                    let r = requirement(&role, requirement_id)?;
                    let built = questions::main_question(r, interview.kind, interview.difficulty);
                    let context = format!(
                        "{}: {}\nThis question covers: {}",
                        role.title, role.summary, r.text
                    );
                    match self
                        .phrase(&interview, &built, requirement_id, &context, stop.clone())
                        .await
                    {
                        Ok(p) => (p.0, Some(requirement_id.clone()), p.1),
                        Err(paused) => return self.pause(&interview, &paused).await,
                    }
                }
                Action::FollowUp {
                    requirement_id,
                    reason,
                    ..
                } => {
                    let r = requirement(&role, requirement_id)?;
                    (
                        questions::follow_up(r, *reason),
                        Some(requirement_id.clone()),
                        None,
                    )
                }
                Action::InviteQuestions => (questions::INVITE.to_owned(), None, None),
                Action::AnswerRoleQuestion => match (&role.version_id, &self.knowledge) {
                    (Some(version_id), Some(kb)) => {
                        let (text, g) = grounded_answer(kb, version_id, message).await;
                        grounded = g;
                        (text, None, None)
                    }
                    _ => (answers::answer(&role, message).text, None, None),
                },
                Action::WrapUp => (questions::WRAP_UP.to_owned(), None, None),
            };
            let committed = self
                .store
                .append_grounded(
                    &interview.id,
                    "interviewer",
                    &text,
                    requirement_id.as_deref(),
                    None,
                    call_id.as_deref(),
                    grounded,
                )
                .await?;
            let (Submitted::New(m) | Submitted::Duplicate(m)) = committed;
            self.live
                .publish(&interview.id, LiveEvent::Message { message: m });
            if action == Action::WrapUp {
                let messages = self.store.messages(&interview.id).await?;
                let report = scoring::score(&role, &answers_by_requirement(&messages));
                self.store.set_report(&interview.id, &report).await?;
            }
        }
        let status = if phase == Phase::Done {
            Status::Done
        } else {
            Status::Active
        };
        self.store
            .set_phase(&interview.id, &phase, status, None)
            .await?;
        self.maybe_enqueue_summary(&interview.id).await?;
        if status == Status::Done {
            self.live.publish(&interview.id, LiveEvent::Finished);
        }
        Ok(())
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

    /// The model's phrasing of `built`, streamed live as a draft; the built question when the
    /// model fails, is stopped, or writes something unacceptable. Err only for a cost ceiling
    /// (the reason to show).
    async fn phrase(
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
                .filter(|m| m.seq > interview.summary_upto)
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
                    Some(GatewayEvent::Token(t)) => self.live.publish(&interview.id, LiveEvent::Token { text: t }),
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

/// An answer about an uploaded role from its chunks. A knowledge-base failure never invents
/// anything: the candidate is told it cannot be answered now, and the failure is flagged.
async fn grounded_answer(
    kb: &rehearse_knowledge::KnowledgeBase,
    version_id: &str,
    question: &str,
) -> (String, Grounded) {
    match kb.answer(version_id, question).await {
        Ok(a) => {
            tracing::info!(
                version = %version_id,
                cited = a.citations.len(),
                held = a.held,
                flags = ?a.flags,
                "answered a question about the role"
            );
            (
                a.text,
                Grounded {
                    citations: a.citations,
                    held: a.held,
                    flags: a.flags,
                },
            )
        }
        Err(e) => {
            tracing::warn!(version = %version_id, error = %e, "could not answer from the job description");
            (
                "I can't look that up in the job description right now, so I won't guess. Please ask again later.".to_owned(),
                Grounded {
                    citations: Vec::new(),
                    held: false,
                    flags: vec![format!("retrieval failed: {e}")],
                },
            )
        }
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
pub fn answers_by_requirement(messages: &[Message]) -> Vec<(String, String)> {
    let mut current: Option<String> = None;
    let mut out = Vec::new();
    for m in messages {
        if m.author == "interviewer" {
            current = m.requirement_id.clone();
        } else if let Some(r) = &current {
            out.push((r.clone(), m.content.clone()));
        }
    }
    out
}
