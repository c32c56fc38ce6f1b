//! Reviewers' decisions reach the candidate: the decided message is published live the moment
//! it commits, and answers whose review deadline passed get the honest fallback.

use super::InterviewService;
use crate::live::LiveEvent;
use crate::review::{Decision, ReviewError, ReviewItem, ReviewStore};
use rehearse_db::DbError;

impl InterviewService {
    pub fn reviews(&self) -> ReviewStore {
        self.store.reviews()
    }

    /// Records a decision and shows the candidate what they may now read.
    pub async fn decide_review(
        &self,
        id: &str,
        reviewer: &str,
        decision: Decision,
    ) -> Result<ReviewItem, ReviewError> {
        let (item, message) = self.reviews().decide(id, reviewer, decision).await?;
        self.live
            .publish(&item.interview_id, LiveEvent::Reviewed { message });
        Ok(item)
    }

    /// Gives the fallback for every item past its deadline; the worker calls this.
    pub async fn expire_reviews(&self) -> Result<Vec<ReviewItem>, DbError> {
        let expired = self.reviews().expire_due().await?;
        Ok(expired
            .into_iter()
            .map(|(item, message)| {
                self.live
                    .publish(&item.interview_id, LiveEvent::Reviewed { message });
                item
            })
            .collect())
    }
}
