//! Counts behind the usage quotas: interviews a user started since a moment, and messages a
//! candidate wrote in an interview. They count stored rows, so they hold across restarts and
//! processes.

use super::{sql, InterviewStore};
use rehearse_db::DbError;
use sqlx::Row;

impl InterviewStore {
    /// Interviews `user_id` started at or after `since_ms` (milliseconds since the epoch).
    pub async fn started_since(&self, user_id: &str, since_ms: i64) -> Result<i64, DbError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM interviews WHERE user_id = $1 AND created_at >= $2",
        )
        .bind(user_id)
        .bind(since_ms)
        .fetch_one(self.db.pool())
        .await
        .map_err(sql)?;
        row.try_get::<i64, _>("n").map_err(sql)
    }

    /// Messages the candidate wrote in an interview.
    pub async fn candidate_messages(&self, interview_id: &str) -> Result<i64, DbError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM interview_messages \
             WHERE interview_id = $1 AND author = 'candidate'",
        )
        .bind(interview_id)
        .fetch_one(self.db.pool())
        .await
        .map_err(sql)?;
        row.try_get::<i64, _>("n").map_err(sql)
    }
}
