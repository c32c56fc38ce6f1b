//! Figures for admins from the stored review decisions: the queue's depth and its oldest item,
//! how long reviewers take to decide, what they decide per flag reason, and how often the
//! automatic check that held an answer agreed with the person who read it.
//!
//! Agreement: a held answer a reviewer approved unchanged was a false alarm of the check; one
//! edited or rejected was a true catch. Expired items (nobody decided in time) carry no human
//! judgement, so they count in the outcome rates but not in agreement or time to decision.
//! An item held for several reasons counts under each of them.

use crate::review::{ReviewStatus, ReviewStore};
use rehearse_db::DbError;
use sqlx::Row;
use std::collections::BTreeMap;

/// What happened to a set of held answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outcomes {
    pub pending: u64,
    pub approved: u64,
    pub edited: u64,
    pub rejected: u64,
    pub expired: u64,
}

impl Outcomes {
    fn count(&mut self, status: ReviewStatus) {
        match status {
            ReviewStatus::Pending => self.pending += 1,
            ReviewStatus::Approved => self.approved += 1,
            ReviewStatus::Edited => self.edited += 1,
            ReviewStatus::Rejected => self.rejected += 1,
            ReviewStatus::Expired => self.expired += 1,
        }
    }

    /// Items a reviewer decided.
    pub fn decided(&self) -> u64 {
        self.approved + self.edited + self.rejected
    }

    /// Items no longer waiting: decided or expired.
    pub fn closed(&self) -> u64 {
        self.decided() + self.expired
    }

    /// `n` as a share of the closed items (the outcome rates add up to 1); None before any.
    pub fn rate(&self, n: u64) -> Option<f64> {
        share(n, self.closed())
    }

    /// Held answers a reviewer approved unchanged: the check held them for nothing.
    pub fn false_alarms(&self) -> u64 {
        self.approved
    }

    /// Held answers a reviewer edited or rejected: the check was right to hold them.
    pub fn true_catches(&self) -> u64 {
        self.edited + self.rejected
    }

    /// How often the check agreed with the reviewer (true catches over decided items).
    pub fn agreement(&self) -> Option<f64> {
        share(self.true_catches(), self.decided())
    }
}

fn share(n: u64, of: u64) -> Option<f64> {
    (of > 0).then(|| n as f64 / of as f64)
}

/// The figures for one flag reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReasonOutcomes {
    /// A [`crate::verdict::HoldReason::key`].
    pub reason: String,
    pub outcomes: Outcomes,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReviewMetrics {
    /// Items waiting for a decision: the queue's depth.
    pub pending: u64,
    /// How long the oldest of them has waited, in milliseconds.
    pub oldest_pending_ms: Option<i64>,
    /// Time from being held to a reviewer's decision, in milliseconds (nearest rank).
    pub decision_p50_ms: Option<i64>,
    pub decision_p90_ms: Option<i64>,
    /// Every item, whatever its reasons.
    pub overall: Outcomes,
    /// Per flag reason, by key.
    pub by_reason: Vec<ReasonOutcomes>,
}

/// The `p`th percentile (0-100) of ascending `sorted` values, by nearest rank.
pub fn percentile(sorted: &[i64], p: u32) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (u64::from(p.min(100)) * sorted.len() as u64).div_ceil(100) as usize;
    sorted.get(rank.saturating_sub(1)).copied()
}

impl ReviewStore {
    /// The figures over every stored review, as of `now` (milliseconds).
    pub async fn metrics(&self, now: i64) -> Result<ReviewMetrics, DbError> {
        let rows = sqlx::query("SELECT status, reason_keys, created_at, decided_at FROM reviews")
            .fetch_all(self.db.pool())
            .await
            .map_err(DbError::from)?;
        let mut metrics = ReviewMetrics::default();
        let mut oldest: Option<i64> = None;
        let mut durations = Vec::new();
        let mut by_reason: BTreeMap<String, Outcomes> = BTreeMap::new();
        for row in &rows {
            let status =
                ReviewStatus::parse(&row.try_get::<String, _>("status").map_err(DbError::from)?)?;
            let keys: String = row.try_get("reason_keys").map_err(DbError::from)?;
            let created_at: i64 = row.try_get("created_at").map_err(DbError::from)?;
            let decided_at: Option<i64> = row.try_get("decided_at").map_err(DbError::from)?;
            metrics.overall.count(status);
            for key in keys.split_whitespace() {
                by_reason.entry(key.to_owned()).or_default().count(status);
            }
            match (status, decided_at) {
                (ReviewStatus::Pending, _) => {
                    oldest = Some(oldest.map_or(created_at, |o| o.min(created_at)));
                }
                (
                    ReviewStatus::Approved | ReviewStatus::Edited | ReviewStatus::Rejected,
                    Some(at),
                ) => durations.push((at - created_at).max(0)),
                _ => {}
            }
        }
        durations.sort_unstable();
        metrics.pending = metrics.overall.pending;
        metrics.oldest_pending_ms = oldest.map(|at| (now - at).max(0));
        metrics.decision_p50_ms = percentile(&durations, 50);
        metrics.decision_p90_ms = percentile(&durations, 90);
        metrics.by_reason = by_reason
            .into_iter()
            .map(|(reason, outcomes)| ReasonOutcomes { reason, outcomes })
            .collect();
        Ok(metrics)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        assert_eq!(percentile(&[], 50), None);
        assert_eq!(percentile(&[7], 50), Some(7));
        assert_eq!(percentile(&[7], 90), Some(7));
        let ten: Vec<i64> = (1..=10).collect();
        assert_eq!(percentile(&ten, 50), Some(5));
        assert_eq!(percentile(&ten, 90), Some(9));
        assert_eq!(percentile(&ten, 100), Some(10));
        assert_eq!(percentile(&[1, 2, 3, 4], 50), Some(2));
        assert_eq!(percentile(&[1, 2, 3, 4], 90), Some(4));
        assert_eq!(percentile(&ten, 0), Some(1));
    }

    #[test]
    fn agreement_counts_people_not_deadlines() {
        let o = Outcomes {
            pending: 4,
            approved: 1,
            edited: 2,
            rejected: 1,
            expired: 4,
        };
        assert_eq!(o.decided(), 4);
        assert_eq!(o.closed(), 8);
        assert_eq!(o.rate(o.approved), Some(0.125));
        assert_eq!(o.rate(o.expired), Some(0.5));
        assert_eq!(o.false_alarms(), 1);
        assert_eq!(o.true_catches(), 3);
        assert_eq!(o.agreement(), Some(0.75));
        assert_eq!(Outcomes::default().agreement(), None);
        assert_eq!(Outcomes::default().rate(0), None);
    }
}
