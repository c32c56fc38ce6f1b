//! Running interviews: start one, take the candidate's message (committed before anything
//! else happens), and play the interviewer's turn in the background.
//!
//! A turn asks [`flow::next`] what to do, builds each reply from the role, and lets the model
//! phrase questions through the gateway (the one choke point for cost, limits and traces). The
//! model only phrases: if it fails, times out, is stopped, or writes something that does not
//! pass [`questions::accept_rephrasing`], the built question is used. Only a cost ceiling stops
//! the interview, and then it pauses with the candidate's message kept, to be resumed.
//!
//! The service is split by responsibility: [`intake`] starts interviews and takes the
//! candidate's messages, [`turn`] plays the interviewer's turn, [`phrasing`] lets the model
//! phrase a built question, and [`summary`] folds old turns into the rolling summary.

mod intake;
mod phrasing;
mod quota;
mod report;
mod reviewing;
mod role_answers;
mod summary;
mod turn;

pub use quota::{utc_day, QuotaExceeded, Quotas};
pub use report::{JUDGE_DISCARDED, JUDGE_UNAVAILABLE, REPORT_NOTE_KEY};
pub use role_answers::RoleAnswerConfig;
pub use summary::{SummaryJob, KEEP_RECENT, SUMMARISE_JOB, SUMMARY_THRESHOLD};
pub use turn::{answers_by_requirement, TURN_LEASE_MS};

use crate::kb_roles::KbRoles;
use crate::live::LiveHub;
use crate::memory::TokenBudget;
use crate::prompts::PromptStore;
use crate::role_source::{RoleAnswerer, RoleRef, RoleSource};
use crate::roles::{self, Role};
use crate::store::InterviewStore;
use rehearse_db::{DbError, JobQueue};
use rehearse_llm::gateway::Gateway;
use std::sync::Arc;
use tokio::sync::Notify;

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
    /// The model's slots and the line for them are full: nothing was started.
    #[error("the interviewer is busy; try again in {retry_after_secs} s")]
    Overloaded { retry_after_secs: u32 },
    /// The turn ran past its deadline; it was cut and will be retried.
    #[error("the turn did not finish within {} s", .0.as_secs())]
    Deadline(std::time::Duration),
    #[error("this idempotency key was used for a different message")]
    KeyReused,
    /// A usage quota (interviews a day, messages an interview) refused it; nothing was stored.
    #[error(transparent)]
    Quota(#[from] QuotaExceeded),
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
    /// Where uploaded roles come from (the knowledge base, or a test double).
    role_source: Option<Arc<dyn RoleSource>>,
    /// Who answers questions about a role (the knowledge base, or a test double); without
    /// one, the candidate is told the job description cannot be searched.
    answerer: Option<Arc<dyn RoleAnswerer>>,
    /// Wakes the worker when a turn is queued, so a reply never waits for a poll interval.
    wake: Arc<Notify>,
    review: ReviewConfig,
    /// Who writes answers about uploaded roles (quoted, or a capable model as an agent).
    role_answers: RoleAnswerConfig,
    /// The model is declared capable (`REHEARSE_LLM__CAPABLE`): it also phrases follow-ups,
    /// reacting to what the candidate said, under the same checks as every phrasing.
    capable: bool,
    quotas: Quotas,
    /// A marker put in every system prompt, fresh for each process and never stored with a
    /// message: model output that contains it is discarded, so the system prompt cannot leak
    /// to a candidate through a phrasing.
    canary: Arc<str>,
    /// How long one turn may take in all (model calls, knowledge-base lookups, writes) before
    /// it is cut and retried: no interview stays busy behind a hung dependency.
    turn_deadline: std::time::Duration,
}

/// How long a turn may take unless the server sets otherwise.
pub const DEFAULT_TURN_DEADLINE: std::time::Duration = std::time::Duration::from_secs(120);

/// A fresh canary: letters only, so no other check (such as "no new numbers") is what
/// catches a phrasing that repeats it.
fn canary() -> String {
    let letters: String = uuid::Uuid::new_v4()
        .as_bytes()
        .iter()
        .map(|b| char::from(b'A' + b % 26))
        .collect();
    format!("RH-{letters}")
}

/// How held answers are reviewed: which sensitive answers are held, and how long a candidate
/// waits at most before getting the honest fallback.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReviewConfig {
    pub policy: crate::verdict::ReviewPolicy,
    pub deadline: Option<std::time::Duration>,
}

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
            role_source: None,
            answerer: None,
            wake: Arc::new(Notify::new()),
            review: ReviewConfig::default(),
            role_answers: RoleAnswerConfig::default(),
            capable: false,
            quotas: Quotas::default(),
            canary: canary().into(),
            turn_deadline: DEFAULT_TURN_DEADLINE,
        }
    }

    /// Sets the deadline of one turn (see [`DEFAULT_TURN_DEADLINE`]).
    pub fn with_turn_deadline(mut self, deadline: std::time::Duration) -> Self {
        self.turn_deadline = deadline;
        self
    }

    /// This process's system-prompt canary (tests prove it never reaches a client).
    pub fn canary(&self) -> &str {
        &self.canary
    }

    /// Sets the review policy and deadline.
    pub fn with_review(mut self, review: ReviewConfig) -> Self {
        self.review = review;
        self
    }

    /// Sets who writes answers about uploaded roles (see [`RoleAnswerConfig`]).
    pub fn with_role_answers(mut self, config: RoleAnswerConfig) -> Self {
        self.role_answers = config;
        self
    }

    /// Declares the model capable: follow-ups are phrased by it too (the local model keeps the
    /// built follow-ups).
    pub fn with_capable(mut self, capable: bool) -> Self {
        self.capable = capable;
        self
    }

    /// Tells the worker there is work (a turn committed); harmless if it is busy.
    pub fn wake_worker(&self) {
        self.wake.notify_one();
    }

    /// Waits until [`InterviewService::wake_worker`] is called or `idle` passes.
    pub async fn wait_for_work(&self, idle: std::time::Duration) {
        let _ = tokio::time::timeout(idle, self.wake.notified()).await;
    }

    /// Offers the job descriptions in `knowledge` as roles, and answers questions about every
    /// role (the samples' built-in job descriptions included) from their chunks.
    pub fn with_knowledge(mut self, knowledge: rehearse_knowledge::KnowledgeBase) -> Self {
        let seams = Arc::new(KbRoles::new(knowledge.clone()));
        self.role_source = Some(seams.clone());
        self.answerer = Some(seams);
        self.knowledge = Some(knowledge);
        self
    }

    /// Sets the seams to roles and answers by themselves (test doubles, or another store).
    pub fn with_roles(
        mut self,
        source: Option<Arc<dyn RoleSource>>,
        answerer: Option<Arc<dyn RoleAnswerer>>,
    ) -> Self {
        self.role_source = source;
        self.answerer = answerer;
        self
    }

    pub fn knowledge(&self) -> Option<&rehearse_knowledge::KnowledgeBase> {
        self.knowledge.as_ref()
    }

    /// A role by slug: a built-in sample, or an uploaded job-description version (searchable
    /// or not; starting an interview checks that).
    pub async fn role(&self, slug: &str) -> Result<Role, ServiceError> {
        Ok(self.sourced_role(&RoleRef::parse(slug)).await?.role)
    }

    pub(super) async fn sourced_role(
        &self,
        role: &RoleRef,
    ) -> Result<crate::role_source::SourcedRole, ServiceError> {
        match role {
            RoleRef::Version(version_id) => self
                .role_source
                .as_ref()
                .ok_or(ServiceError::UnknownRole)?
                .version(version_id)
                .await?
                .ok_or(ServiceError::UnknownRole),
            RoleRef::Sample(slug) => Ok(crate::role_source::SourcedRole {
                role: roles::find(slug).ok_or(ServiceError::UnknownRole)?,
                searchable: true,
            }),
        }
    }

    /// The roles a candidate can start: the samples, then every searchable job description.
    pub async fn available_roles(&self) -> Result<Vec<Role>, ServiceError> {
        let mut out = roles::samples();
        if let Some(source) = &self.role_source {
            out.extend(source.searchable().await?);
        }
        Ok(out)
    }

    /// Sets how much conversation a model call may carry.
    pub fn with_budget(mut self, budget: TokenBudget) -> Self {
        self.budget = budget;
        self
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
}
