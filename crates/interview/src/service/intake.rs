//! What comes in: starting an interview and taking the candidate's messages. A message is
//! committed before anything else happens; the interviewer's turn then runs on its own.

use super::{InterviewService, ServiceError, MAX_MESSAGE_CHARS};
use crate::flow::{self, Difficulty, FlowConfig, Kind, Phase};
use crate::live::LiveEvent;
use crate::questions;
use crate::store::{turn_dedup_key, Author, Interview, Offered, Status, Submitted};
use rehearse_db::{now_ms, retry_transient};

/// How many times a write that clashed with another writer is tried in all.
const DB_TRIES: usize = 5;

impl InterviewService {
    /// Starts an interview: plan from the role's requirements, greeting posted. Refused with
    /// [`QuotaExceeded::InterviewsToday`](super::QuotaExceeded) once the user's daily quota
    /// is used.
    pub async fn start(
        &self,
        user_id: &str,
        role_slug: &str,
        kind: Kind,
        difficulty: Difficulty,
    ) -> Result<Interview, ServiceError> {
        self.start_focused(user_id, role_slug, kind, difficulty, None)
            .await
    }

    /// As [`start`](Self::start), asking only about the role's requirements in the competency
    /// labelled `focus` (practice on the candidate's weakest competency).
    pub async fn start_focused(
        &self,
        user_id: &str,
        role_slug: &str,
        kind: Kind,
        difficulty: Difficulty,
        focus: Option<&str>,
    ) -> Result<Interview, ServiceError> {
        let sourced = self
            .sourced_role(&crate::role_source::RoleRef::parse(role_slug))
            .await?;
        if !sourced.searchable {
            return Err(ServiceError::UnknownRole);
        }
        let role = sourced.role;
        self.check_daily_quota(user_id).await?;
        // Every model slot taken and the line full: an interview begun now would only get
        // built questions late. Refused before anything is stored; the caller says when to
        // come back.
        if let Some(retry_after_secs) = self.gateway.busy() {
            return Err(ServiceError::Overloaded { retry_after_secs });
        }
        let config = FlowConfig::default();
        let plan = match focus {
            None => flow::plan(&role, &config),
            Some(label) => {
                let ids: Vec<String> = role
                    .requirements
                    .iter()
                    .filter(|r| r.competency == label)
                    .map(|r| r.id.clone())
                    .take(config.main_questions)
                    .collect();
                if ids.is_empty() {
                    return Err(ServiceError::Invalid(format!(
                        "This role asks nothing about {label}; pick another role to practise it."
                    )));
                }
                ids
            }
        };
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
            turn_seq: 0,
            created_at: now_ms(),
        };
        let greeting = questions::greeting(&role, kind, interview.plan.len());
        retry_transient(DB_TRIES, || self.store.create(&interview, &greeting)).await?;
        Ok(interview)
    }

    /// Validates and commits the candidate's message together with the job that plays the
    /// interviewer's turn, then wakes the worker. A repeated idempotency key with the same text
    /// returns the stored message and starts nothing; with another text it is refused; while a
    /// turn is pending nothing is stored and the caller is told to retry. Once the interview
    /// holds its quota of candidate messages, a new message is refused and nothing is stored.
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
        if let Some(stored) = self.check_message_quota(interview, text, key).await? {
            return Ok(stored);
        }
        let offered = retry_transient(DB_TRIES, || {
            self.store.submit_candidate(&interview.id, text, key)
        })
        .await?;
        match offered {
            Offered::New(message) => {
                crate::faults::point(crate::faults::AFTER_CANDIDATE_COMMIT).await;
                self.live.publish(
                    &interview.id,
                    LiveEvent::Message {
                        message: message.clone(),
                    },
                );
                self.wake_worker();
                Ok(Submitted::New(message))
            }
            Offered::Duplicate(message) => Ok(Submitted::Duplicate(message)),
            Offered::KeyReused => Err(ServiceError::KeyReused),
            Offered::Busy => Err(ServiceError::Busy),
            Offered::Over => Err(ServiceError::Over),
        }
    }

    /// Resumes a paused interview: the turn for the candidate's last message is queued again.
    pub async fn resume(&self, interview: &Interview) -> Result<(), ServiceError> {
        if interview.status != Status::Paused {
            return Ok(());
        }
        self.store
            .set_phase(&interview.id, &interview.phase, Status::Active, None)
            .await?;
        self.requeue_last_turn(interview).await
    }

    /// Plays again the turn that failed for good (the candidate pressed retry). Refused while
    /// a turn is pending or when the last message already has its answer.
    pub async fn retry_turn(&self, interview: &Interview) -> Result<(), ServiceError> {
        if interview.status == Status::Done {
            return Err(ServiceError::Over);
        }
        if !self.turn_failed(interview).await? {
            return Err(ServiceError::Busy);
        }
        self.requeue_last_turn(interview).await
    }

    /// True when the candidate's last message has no answer and no turn is pending for it: its
    /// turn failed for good, and the candidate should be offered a retry.
    pub async fn turn_failed(&self, interview: &Interview) -> Result<bool, ServiceError> {
        let Some(last) = self.last_candidate_message(&interview.id).await? else {
            return Ok(false);
        };
        if interview.status != Status::Active || interview.turn_seq >= last.seq {
            return Ok(false);
        }
        Ok(!self
            .jobs
            .pending_with_dedup(&turn_dedup_key(&interview.id))
            .await?)
    }

    async fn requeue_last_turn(&self, interview: &Interview) -> Result<(), ServiceError> {
        let Some(last) = self.last_candidate_message(&interview.id).await? else {
            return Ok(());
        };
        if !self.store.enqueue_turn(&interview.id, &last.id).await? {
            return Err(ServiceError::Busy);
        }
        self.wake_worker();
        Ok(())
    }

    async fn last_candidate_message(
        &self,
        interview_id: &str,
    ) -> Result<Option<crate::store::Message>, ServiceError> {
        let messages = self.store.messages(interview_id).await?;
        Ok(messages
            .into_iter()
            .rev()
            .find(|m| m.author == Author::Candidate))
    }
}
