//! The durable job table: all background work goes through it.
//!
//! - A job is enqueued on its own or inside the business transaction that needs it (an
//!   outbox: the candidate's message and the turn that answers it commit together), optionally
//!   deduplicated while pending.
//! - A worker claims one by kind in one statement (`FOR UPDATE SKIP LOCKED` on PostgreSQL) and
//!   holds it under a lease, renewed by [`JobQueue::heartbeat`] while it runs. A job whose
//!   lease ran out (its process died) is claimable again.
//! - A failure is retried with jittered exponential backoff; after [`MAX_ATTEMPTS`] claims the
//!   job is a dead letter (`failed`), kept with its last error for an admin to requeue. A job
//!   that crashes its process every time is a dead letter too, not an endless loop.
//! - Finished rows are deleted after [`KEEP_DONE_MS`].
//! - Each kind has one payload type ([`JobPayload`]), stored as JSON and read back typed, so
//!   a runner never guesses what a string means.

mod admin;

use crate::{now_ms, Db, DbError};
use serde::{de::DeserializeOwned, Serialize};
use sqlx::{Any, AnyConnection};

/// The payload of one job kind. The kind and the dedup key come from the payload, so the
/// three can never disagree.
pub trait JobPayload: Serialize + DeserializeOwned {
    /// The `jobs.kind` value this payload is stored under.
    const KIND: &'static str;
    /// While a job with this key is queued or running, pushing an equal one does nothing.
    fn dedup_key(&self) -> Option<String>;
}

pub const MAX_ATTEMPTS: i64 = 5;
/// How long a claimed job stays reserved without a heartbeat, unless the claim names another.
pub const DEFAULT_LEASE_MS: i64 = 10 * 60 * 1000;
/// Finished jobs are kept this long (for the admin page), then deleted.
pub const KEEP_DONE_MS: i64 = 24 * 60 * 60 * 1000;

crate::spelled_enum! {
    /// Where a job stands: the closed set the `jobs.status` column holds (a CHECK constraint
    /// in both dialects' migrations).
    pub enum JobStatus {
        /// Waiting for a worker (new, or to be retried after `run_after`).
        Queued = "queued",
        /// Claimed by a worker under a lease.
        Running = "running",
        /// Finished; deleted after [`KEEP_DONE_MS`].
        Done = "done",
        /// A dead letter: no more automatic tries, kept for an admin to requeue.
        Failed = "failed",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Job {
    pub id: String,
    pub kind: String,
    pub payload: String,
    pub attempts: i64,
}

/// A job that failed for good or is waiting to be retried, for the admin page.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FailedJob {
    pub id: String,
    pub kind: String,
    pub payload: String,
    pub status: JobStatus,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub updated_at: i64,
}

impl Job {
    /// The job's payload as the type of its kind; an error if the kind differs or the stored
    /// JSON does not parse (the runner fails the job with it, so it is seen on the admin page).
    pub fn read<P: JobPayload>(&self) -> Result<P, DbError> {
        if self.kind != P::KIND {
            return Err(DbError::Corrupt(format!(
                "a {} job read as {}",
                self.kind,
                P::KIND
            )));
        }
        serde_json::from_str(&self.payload)
            .map_err(|e| DbError::Corrupt(format!("unreadable {} payload: {e}", self.kind)))
    }
}

#[derive(Debug, Clone)]
pub struct JobQueue {
    db: Db,
}

const INSERT: &str = "INSERT INTO jobs (id, kind, payload, dedup_key, status, attempts, run_after, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, 'queued', 0, $5, $5, $5) \
     ON CONFLICT (dedup_key) WHERE status IN ('queued', 'running') DO NOTHING";

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
        let mut conn = self.db.pool().acquire().await?;
        Self::enqueue_in(&mut conn, kind, payload, dedup_key).await
    }

    /// Like [`JobQueue::enqueue`], on the caller's connection or transaction, so the job
    /// commits (or not) with the business write that needs it.
    pub async fn enqueue_in(
        conn: &mut AnyConnection,
        kind: &str,
        payload: &str,
        dedup_key: Option<&str>,
    ) -> Result<bool, DbError> {
        let added = sqlx::query::<Any>(INSERT)
            .bind(uuid::Uuid::new_v4().to_string())
            .bind(kind)
            .bind(payload)
            .bind(dedup_key)
            .bind(now_ms())
            .execute(&mut *conn)
            .await?;
        Ok(added.rows_affected() == 1)
    }

    /// Enqueues a typed job (see [`JobPayload`]); false if an equal one is already pending.
    pub async fn push<P: JobPayload>(&self, payload: &P) -> Result<bool, DbError> {
        let mut conn = self.db.pool().acquire().await?;
        Self::push_in(&mut conn, payload).await
    }

    /// Like [`JobQueue::push`], inside the caller's transaction (an outbox).
    pub async fn push_in<P: JobPayload>(
        conn: &mut AnyConnection,
        payload: &P,
    ) -> Result<bool, DbError> {
        let json = serde_json::to_string(payload).map_err(|e| DbError::Corrupt(e.to_string()))?;
        Self::enqueue_in(conn, P::KIND, &json, payload.dedup_key().as_deref()).await
    }

    /// Claims the oldest ready job of one of `kinds`, if any, with the default lease.
    pub async fn claim(&self, kinds: &[&str]) -> Result<Option<Job>, DbError> {
        self.claim_leased(kinds, DEFAULT_LEASE_MS).await
    }

    /// Claims the oldest ready job of one of `kinds`, reserved for `lease_ms` unless renewed.
    /// A job whose lease ran out after [`MAX_ATTEMPTS`] claims is made a dead letter instead.
    pub async fn claim_leased(
        &self,
        kinds: &[&str],
        lease_ms: i64,
    ) -> Result<Option<Job>, DbError> {
        if kinds.is_empty() {
            return Ok(None);
        }
        let now = now_ms();
        // Kinds are bound as parameters after the fixed ones.
        let kind_list = placeholders(4, kinds.len());
        // A job whose lease ran out this many times killed its process every time: stop.
        let dead_kinds = placeholders(3, kinds.len());
        let dead = format!(
            "UPDATE jobs SET status = 'failed', updated_at = $1, \
             last_error = 'interrupted ' || CAST(attempts AS TEXT) || ' times without finishing (the process stopped while running it)' \
             WHERE status = 'running' AND run_after <= $1 AND attempts >= $2 AND kind IN ({dead_kinds})"
        );
        let mut query = sqlx::query::<Any>(&dead).bind(now).bind(MAX_ATTEMPTS);
        for kind in kinds {
            query = query.bind(*kind);
        }
        query.execute(self.db.pool()).await?;
        // One statement picks and takes the oldest ready job. On PostgreSQL the pick skips
        // rows other workers are taking (`FOR UPDATE SKIP LOCKED`), so workers never queue
        // behind each other; SQLite runs one writer at a time anyway. `run_after` of a running
        // job is its lease expiry.
        let lock = match self.db.backend() {
            crate::Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            crate::Backend::Sqlite => "",
        };
        let claim = format!(
            "UPDATE jobs SET status = 'running', attempts = attempts + 1, run_after = $1, updated_at = $2 \
             WHERE id = (SELECT id FROM jobs WHERE kind IN ({kind_list}) AND \
                 ((status = 'queued' AND run_after <= $2) OR (status = 'running' AND run_after <= $2 AND attempts < $3)) \
                 ORDER BY run_after, created_at LIMIT 1 {lock}) \
             RETURNING id, kind, payload, attempts"
        );
        let mut query = sqlx::query::<Any>(&claim)
            .bind(now + lease_ms)
            .bind(now)
            .bind(MAX_ATTEMPTS);
        for kind in kinds {
            query = query.bind(*kind);
        }
        let Some(row) = query.fetch_optional(self.db.pool()).await? else {
            return Ok(None);
        };
        crate::read_row(&row).map(Some)
    }

    /// Renews a running job's lease; false if it is no longer ours to run (its lease ran out
    /// and another worker claimed it: the attempt count is the claim's token).
    pub async fn heartbeat(&self, job: &Job, lease_ms: i64) -> Result<bool, DbError> {
        let now = now_ms();
        let renewed = sqlx::query(
            "UPDATE jobs SET run_after = $1, updated_at = $2 WHERE id = $3 AND status = 'running' AND attempts = $4",
        )
        .bind(now + lease_ms)
        .bind(now)
        .bind(&job.id)
        .bind(job.attempts)
        .execute(self.db.pool())
        .await?;
        Ok(renewed.rows_affected() == 1)
    }

    /// Marks a claimed job done, unless another worker has claimed it since.
    pub async fn complete(&self, job: &Job) -> Result<(), DbError> {
        sqlx::query(
            "UPDATE jobs SET status = 'done', updated_at = $1 WHERE id = $2 AND attempts = $3",
        )
        .bind(now_ms())
        .bind(&job.id)
        .bind(job.attempts)
        .execute(self.db.pool())
        .await?;
        Ok(())
    }

    /// Records a failure; retries later with jittered exponential backoff, or makes the job a
    /// dead letter after [`MAX_ATTEMPTS`]. Returns true when it is dead.
    pub async fn fail(&self, job: &Job, error: &str) -> Result<bool, DbError> {
        let now = now_ms();
        let dead = job.attempts >= MAX_ATTEMPTS;
        let (status, run_after) = if dead {
            (JobStatus::Failed, now)
        } else {
            (JobStatus::Queued, now + backoff_ms(job.attempts))
        };
        // Only the current claim records its failure (the attempt count is its token).
        sqlx::query("UPDATE jobs SET status = $1, run_after = $2, last_error = $3, updated_at = $4 WHERE id = $5 AND attempts = $6")
            .bind(status.as_str())
            .bind(run_after)
            .bind(error.chars().take(1000).collect::<String>())
            .bind(now)
            .bind(&job.id)
            .bind(job.attempts)
            .execute(self.db.pool())
            .await?;
        Ok(dead)
    }

    /// Makes every `running` job of `kinds` claimable now. Only for a process that knows it is
    /// the database's sole worker (the embedded SQLite file), at start, before its worker runs:
    /// those jobs were interrupted by its own previous life.
    pub async fn release_interrupted(&self, kinds: &[&str]) -> Result<u64, DbError> {
        let mut released = 0;
        for kind in kinds {
            let done = sqlx::query(
                "UPDATE jobs SET run_after = $1, updated_at = $1 WHERE status = 'running' AND kind = $2",
            )
            .bind(now_ms())
            .bind(*kind)
            .execute(self.db.pool())
            .await?;
            released += done.rows_affected();
        }
        Ok(released)
    }
}

/// `$from, $from+1, ...`: `n` numbered parameters.
fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// 1 s, 2 s, 4 s, ... (capped at about 17 minutes), each with up to a quarter more at random
/// so that jobs failing together do not retry together.
fn backoff_ms(attempts: i64) -> i64 {
    let base = 1000i64 << attempts.clamp(0, 10);
    let jitter = (uuid::Uuid::new_v4().as_u128() % 1000) as i64 * base / 4000;
    base + jitter
}

#[cfg(test)]
mod tests {
    use super::backoff_ms;

    #[test]
    fn backoff_grows_and_is_jittered_within_a_quarter() {
        for attempts in 0..12 {
            let base = 1000i64 << attempts.clamp(0, 10);
            let b = backoff_ms(attempts);
            assert!(b >= base && b <= base + base / 4, "{attempts}: {b}");
        }
    }
}
