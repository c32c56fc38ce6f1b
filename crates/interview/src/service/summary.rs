//! The rolling summary: older turns folded into one paragraph by a background job, so a long
//! interview's prompt stays within the token budget.

use super::{InterviewService, ServiceError};
use crate::memory;

/// The background job that folds older turns into the rolling summary.
pub const SUMMARISE_JOB: &str = "summarise_interview";
/// Turns kept verbatim after the summary; older ones are summarised once there are more than
/// [`SUMMARY_THRESHOLD`] unsummarised turns.
pub const KEEP_RECENT: usize = 6;
pub const SUMMARY_THRESHOLD: usize = 10;

/// The typed payload of a [`SUMMARISE_JOB`]: at most one pending per interview.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SummaryJob {
    pub interview_id: String,
}

impl rehearse_db::JobPayload for SummaryJob {
    const KIND: &'static str = SUMMARISE_JOB;
    fn dedup_key(&self) -> Option<String> {
        Some(format!("{SUMMARISE_JOB}:{}", self.interview_id))
    }
}

impl InterviewService {
    /// Runs one pending background job, if there is one; true if it ran one. The server's
    /// worker loop calls this; tests call it to drain the queue deterministically.
    pub async fn run_next_job(&self) -> Result<bool, ServiceError> {
        let Some(job) = self.jobs.claim(&[SUMMARISE_JOB]).await? else {
            return Ok(false);
        };
        let summarised = match job.read::<SummaryJob>() {
            Ok(payload) => self.summarise(&payload.interview_id).await,
            Err(e) => Err(e.into()),
        };
        match summarised {
            Ok(()) => self.jobs.complete(&job).await?,
            Err(e) => {
                self.jobs.fail(&job, &e.to_string()).await?;
            }
        }
        Ok(true)
    }

    /// Deletes finished jobs past their keeping time.
    pub async fn clean_up_jobs(&self) -> Result<u64, ServiceError> {
        Ok(self.jobs.clean_up().await?)
    }

    /// The interview and its messages after the rolling summary.
    async fn unsummarised(
        &self,
        interview_id: &str,
    ) -> Result<(crate::store::Interview, Vec<crate::store::Message>), ServiceError> {
        let interview = self
            .store
            .get(interview_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let messages = self.store.messages(interview_id).await?;
        let pending = messages
            .into_iter()
            .filter(|m| m.seq > interview.summary_upto)
            .collect();
        Ok((interview, pending))
    }

    /// Folds every turn but the last [`KEEP_RECENT`] into the rolling summary.
    async fn summarise(&self, interview_id: &str) -> Result<(), ServiceError> {
        let (interview, pending) = self.unsummarised(interview_id).await?;
        if pending.len() <= KEEP_RECENT {
            return Ok(());
        }
        let fold = &pending[..pending.len() - KEEP_RECENT];
        let upto = fold.last().map(|m| m.seq).unwrap_or(interview.summary_upto);
        // Held answers stay out of the summary: it goes into prompts.
        let shown: Vec<_> = fold.iter().filter(|m| !m.held).cloned().collect();
        let summary = memory::summarise(interview.summary.as_deref(), &shown);
        self.store.set_summary(interview_id, &summary, upto).await?;
        Ok(())
    }

    /// Enqueues a summary once enough turns have piled up since the last one.
    pub(super) async fn maybe_enqueue_summary(
        &self,
        interview_id: &str,
    ) -> Result<(), ServiceError> {
        let (_, unsummarised) = self.unsummarised(interview_id).await?;
        if unsummarised.len() > SUMMARY_THRESHOLD {
            self.jobs
                .push(&SummaryJob {
                    interview_id: interview_id.to_owned(),
                })
                .await?;
        }
        Ok(())
    }
}
