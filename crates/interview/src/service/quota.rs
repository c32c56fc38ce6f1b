//! Usage quotas: how many interviews a candidate may start per UTC day, and how many messages
//! they may write in one interview. Both count stored rows at the moment of the request, so a
//! refused request stores nothing.
//!
//! Concurrency: a message is admitted only while no turn is pending (see
//! [`InterviewStore::submit_candidate`](crate::store::InterviewStore::submit_candidate)), so
//! two sends at once can never both pass the last free slot. Starts are not serialised: starts
//! made at the very same moment may pass the daily quota by the number in flight (the start
//! rate limit, `REHEARSE_LIMITS__START_BURST`, bounds that).

use super::{InterviewService, ServiceError};
use crate::store::{Interview, Submitted};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// How much one candidate may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quotas {
    /// Interviews one user may start per UTC day.
    pub interviews_per_day: u32,
    /// Messages a candidate may write in one interview.
    pub messages_per_interview: u32,
}

impl Default for Quotas {
    fn default() -> Self {
        Quotas {
            interviews_per_day: 20,
            messages_per_interview: 200,
        }
    }
}

/// A quota that refused a request. Nothing was stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum QuotaExceeded {
    /// The user started `limit` interviews today (UTC); the count starts again at midnight UTC,
    /// `resets_in_secs` from now.
    #[error("{limit} interviews were already started today")]
    InterviewsToday { limit: u32, resets_in_secs: u64 },
    /// The candidate wrote `limit` messages in this interview; no more will be taken.
    #[error("this interview already has {limit} messages")]
    MessagesInInterview { limit: u32 },
}

/// The start of the UTC day that `now_ms` falls in, and the seconds left until the next one
/// (at least 1).
pub fn utc_day(now_ms: i64) -> (i64, u64) {
    let start = now_ms - now_ms.rem_euclid(DAY_MS);
    let left_secs = (start + DAY_MS - now_ms + 999) / 1000;
    (start, u64::try_from(left_secs).unwrap_or(1).max(1))
}

impl InterviewService {
    /// Sets the usage quotas (defaults: 20 interviews a day, 200 messages an interview).
    pub fn with_quotas(mut self, quotas: Quotas) -> Self {
        self.quotas = quotas;
        self
    }

    pub fn quotas(&self) -> Quotas {
        self.quotas
    }

    /// Refuses a start when the user already started their interviews for today.
    pub(super) async fn check_daily_quota(&self, user_id: &str) -> Result<(), ServiceError> {
        let (day_start, resets_in_secs) = utc_day(rehearse_db::now_ms());
        let started = self.store.started_since(user_id, day_start).await?;
        let limit = self.quotas.interviews_per_day;
        if started >= i64::from(limit) {
            return Err(QuotaExceeded::InterviewsToday {
                limit,
                resets_in_secs,
            }
            .into());
        }
        Ok(())
    }

    /// Refuses a message once the interview holds its quota of candidate messages. A resend of
    /// a message already stored (same key, same text) is not a new message: it is given back
    /// as the duplicate it is, quota or not.
    pub(super) async fn check_message_quota(
        &self,
        interview: &Interview,
        text: &str,
        key: &str,
    ) -> Result<Option<Submitted>, ServiceError> {
        let limit = self.quotas.messages_per_interview;
        let written = self.store.candidate_messages(&interview.id).await?;
        if written < i64::from(limit) {
            return Ok(None);
        }
        match self.store.message_by_key(&interview.id, key).await? {
            Some(stored) if stored.content == text => Ok(Some(Submitted::Duplicate(stored))),
            Some(_) => Err(ServiceError::KeyReused),
            None => Err(QuotaExceeded::MessagesInInterview { limit }.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::utc_day;

    #[test]
    fn the_day_is_a_utc_day() {
        // 2026-11-26T23:59:59.500Z
        let late = 1_795_737_599_500;
        let (start, left) = utc_day(late);
        assert_eq!(start, 1_795_651_200_000);
        assert_eq!(left, 1);
        let (start, left) = utc_day(1_795_651_200_000);
        assert_eq!(start, 1_795_651_200_000);
        assert_eq!(left, 86_400);
    }
}
