//! The durable job table: all background work goes through it. A job is enqueued (optionally
//! deduplicated while pending), claimed by one worker at a time, then completed or failed;
//! failures are retried with backoff up to [`MAX_ATTEMPTS`]. Work survives restarts: a job
//! left `running` by a crashed process is claimable again after [`STALE_AFTER_MS`].

use crate::{now_ms, Db, DbError};
use sqlx::Row;

pub const MAX_ATTEMPTS: i64 = 5;
pub const STALE_AFTER_MS: i64 = 10 * 60 * 1000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: String,
    pub kind: String,
    pub payload: String,
    pub attempts: i64,
}

#[derive(Debug, Clone)]
pub struct JobQueue {
    db: Db,
}

impl JobQueue {
    pub fn new(db: &Db) -> Self {
        JobQueue { db: db.clone() }
    }

    /// Enqueues a job; with a `dedup_key`, does nothing while an equal job is still pending.
    /// Returns whether a job was added.
    pub async fn enqueue(
        &self,
        kind: &str,
        payload: &str,
        dedup_key: Option<&str>,
    ) -> Result<bool, DbError> {
        let now = now_ms();
        let result = sqlx::query(
            "INSERT INTO jobs (id, kind, payload, dedup_key, status, attempts, run_after, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 'queued', 0, $5, $5, $5)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(kind)
        .bind(payload)
        .bind(dedup_key)
        .bind(now)
        .execute(self.db.pool())
        .await;
        match result.map_err(DbError::from) {
            Ok(_) => Ok(true),
            Err(DbError::Conflict) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Claims the oldest ready job of one of `kinds`, if any.
    pub async fn claim(&self, kinds: &[&str]) -> Result<Option<Job>, DbError> {
        let now = now_ms();
        for _ in 0..3 {
            let row = sqlx::query(
                "SELECT id, kind, payload, attempts FROM jobs WHERE \
                 ((status = 'queued' AND run_after <= $1) OR (status = 'running' AND updated_at <= $2)) \
                 ORDER BY run_after, created_at LIMIT 20",
            )
            .bind(now)
            .bind(now - STALE_AFTER_MS)
            .fetch_all(self.db.pool())
            .await?;
            let Some(candidate) = row.iter().find(|r| {
                r.try_get::<String, _>("kind")
                    .is_ok_and(|k| kinds.contains(&k.as_str()))
            }) else {
                return Ok(None);
            };
            let id: String = candidate.try_get("id")?;
            let claimed = sqlx::query(
                "UPDATE jobs SET status = 'running', attempts = attempts + 1, updated_at = $1 \
                 WHERE id = $2 AND (status = 'queued' OR (status = 'running' AND updated_at <= $3))",
            )
            .bind(now)
            .bind(&id)
            .bind(now - STALE_AFTER_MS)
            .execute(self.db.pool())
            .await?;
            if claimed.rows_affected() == 1 {
                return Ok(Some(Job {
                    id,
                    kind: candidate.try_get("kind")?,
                    payload: candidate.try_get("payload")?,
                    attempts: candidate.try_get::<i64, _>("attempts")? + 1,
                }));
            }
            // Another worker took it first; look again.
        }
        Ok(None)
    }

    pub async fn complete(&self, id: &str) -> Result<(), DbError> {
        sqlx::query("UPDATE jobs SET status = 'done', updated_at = $1 WHERE id = $2")
            .bind(now_ms())
            .bind(id)
            .execute(self.db.pool())
            .await?;
        Ok(())
    }

    /// Records a failure; retries later with exponential backoff, or gives up after
    /// [`MAX_ATTEMPTS`].
    pub async fn fail(&self, job: &Job, error: &str) -> Result<(), DbError> {
        let now = now_ms();
        let (status, run_after) = if job.attempts >= MAX_ATTEMPTS {
            ("failed", now)
        } else {
            ("queued", now + 1000 * (1i64 << job.attempts.clamp(0, 10)))
        };
        sqlx::query("UPDATE jobs SET status = $1, run_after = $2, last_error = $3, updated_at = $4 WHERE id = $5")
            .bind(status)
            .bind(run_after)
            .bind(error.chars().take(1000).collect::<String>())
            .bind(now)
            .bind(&job.id)
            .execute(self.db.pool())
            .await?;
        Ok(())
    }

    pub async fn count(&self, status: &str) -> Result<i64, DbError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM jobs WHERE status = $1")
            .bind(status)
            .fetch_one(self.db.pool())
            .await?;
        Ok(row.try_get("n")?)
    }
}
