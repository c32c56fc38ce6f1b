//! The job table as the admin page and housekeeping see it: reading one job or the failed ones,
//! requeueing a dead letter, counting by status, and deleting finished rows. None of this is on
//! a worker's path (enqueue, claim, finish), so it is kept apart from the queue itself.

use super::{FailedJob, JobQueue, JobStatus, KEEP_DONE_MS};
use crate::{now_ms, DbError};
use sqlx::Row;

impl JobQueue {
    /// Queues a dead or waiting job to run now, with a fresh attempt count.
    pub async fn requeue(&self, id: &str) -> Result<Option<FailedJob>, DbError> {
        let Some(job) = self.get(id).await? else {
            return Ok(None);
        };
        let requeued = sqlx::query(
            "UPDATE jobs SET status = 'queued', attempts = 0, run_after = $1, updated_at = $1 \
             WHERE id = $2 AND status = 'failed'",
        )
        .bind(now_ms())
        .bind(id)
        .execute(self.db.pool())
        .await
        .map_err(DbError::from);
        match requeued {
            Ok(r) if r.rows_affected() == 1 => Ok(Some(job)),
            Ok(_) => Ok(None),
            // An equal job is already pending again: nothing to requeue.
            Err(DbError::Conflict) => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub async fn get(&self, id: &str) -> Result<Option<FailedJob>, DbError> {
        let row = sqlx::query(
            "SELECT id, kind, payload, status, attempts, last_error, updated_at FROM jobs WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.db.pool())
        .await?;
        row.as_ref().map(crate::read_row).transpose()
    }

    /// Dead letters and jobs waiting to be retried after a failure, newest first.
    pub async fn failed(&self, limit: i64) -> Result<Vec<FailedJob>, DbError> {
        let rows = sqlx::query(
            "SELECT id, kind, payload, status, attempts, last_error, updated_at FROM jobs \
             WHERE status = 'failed' OR (status = 'queued' AND last_error IS NOT NULL) \
             ORDER BY updated_at DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.db.pool())
        .await?;
        rows.iter().map(crate::read_row).collect()
    }

    /// The dead letter of `kind` whose payload is `payload`, if one exists.
    pub async fn dead_for(&self, kind: &str, payload: &str) -> Result<Option<FailedJob>, DbError> {
        let row = sqlx::query(
            "SELECT id, kind, payload, status, attempts, last_error, updated_at FROM jobs \
             WHERE kind = $1 AND payload = $2 AND status = 'failed' ORDER BY updated_at DESC LIMIT 1",
        )
        .bind(kind)
        .bind(payload)
        .fetch_optional(self.db.pool())
        .await?;
        row.as_ref().map(crate::read_row).transpose()
    }

    /// Deletes finished jobs older than [`KEEP_DONE_MS`].
    pub async fn clean_up(&self) -> Result<u64, DbError> {
        let done = sqlx::query("DELETE FROM jobs WHERE status = 'done' AND updated_at < $1")
            .bind(now_ms() - KEEP_DONE_MS)
            .execute(self.db.pool())
            .await?;
        Ok(done.rows_affected())
    }

    /// True while a job with this dedup key is queued or running.
    pub async fn pending_with_dedup(&self, dedup_key: &str) -> Result<bool, DbError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM jobs WHERE dedup_key = $1 AND status IN ('queued', 'running')",
        )
        .bind(dedup_key)
        .fetch_one(self.db.pool())
        .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }

    pub async fn count(&self, status: JobStatus) -> Result<i64, DbError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM jobs WHERE status = $1")
            .bind(status.as_str())
            .fetch_one(self.db.pool())
            .await?;
        Ok(row.try_get("n")?)
    }

    pub async fn count_kind(&self, kind: &str, status: JobStatus) -> Result<i64, DbError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM jobs WHERE kind = $1 AND status = $2")
            .bind(kind)
            .bind(status.as_str())
            .fetch_one(self.db.pool())
            .await?;
        Ok(row.try_get("n")?)
    }
}
