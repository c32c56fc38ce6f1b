//! The review queue's vocabulary: an item's status, a reviewer's decision, the item as read,
//! the errors a claim or decision meets, and the queue's filters. Apart from the store's
//! queries so each reads in one page.

use crate::textdiff::Piece;
use crate::verdict::HoldReason;
use rehearse_db::DbError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    Pending,
    Approved,
    Edited,
    Rejected,
    Expired,
}

impl ReviewStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Pending => "pending",
            ReviewStatus::Approved => "approved",
            ReviewStatus::Edited => "edited",
            ReviewStatus::Rejected => "rejected",
            ReviewStatus::Expired => "expired",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<ReviewStatus, DbError> {
        Ok(match s {
            "pending" => ReviewStatus::Pending,
            "approved" => ReviewStatus::Approved,
            "edited" => ReviewStatus::Edited,
            "rejected" => ReviewStatus::Rejected,
            "expired" => ReviewStatus::Expired,
            other => return Err(DbError::Corrupt(format!("review status {other}"))),
        })
    }
}

/// A reviewer's decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Approve,
    /// Approve with the reviewer's text instead.
    Edit(String),
    /// The candidate gets the honest fallback ([`crate::verdict::fallback_for`]); the reason
    /// stays in the review record.
    Reject(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReviewItem {
    pub id: String,
    pub message_id: String,
    pub interview_id: String,
    pub role_slug: String,
    pub role_title: String,
    pub question: String,
    pub held_text: String,
    pub reasons: Vec<HoldReason>,
    pub status: ReviewStatus,
    pub claimed_by: Option<String>,
    pub claim_until: Option<i64>,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub final_text: Option<String>,
    pub note: Option<String>,
    pub deadline_at: Option<i64>,
    pub created_at: i64,
    /// For an edited answer: the reviewer's edit, as a word diff of the held text.
    pub edit_diff: Option<Vec<Piece>>,
}

impl ReviewItem {
    /// Whether `reviewer` holds a live claim on it at `now`.
    pub fn claimed_by(&self, reviewer: &str, now: i64) -> bool {
        self.claimed_by.as_deref() == Some(reviewer) && self.claim_until.is_some_and(|t| t >= now)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("no such review")]
    NotFound,
    #[error("another reviewer holds this item")]
    ClaimedByOther,
    #[error("claim this item before deciding (your claim may have run out)")]
    NotClaimed,
    #[error("this item was already decided")]
    AlreadyDecided,
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Filters of the queue.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    /// A [`HoldReason::key`].
    pub reason: Option<String>,
    /// An interview's role slug (a job-description version: `jd:<id>`).
    pub role_slug: Option<String>,
}
