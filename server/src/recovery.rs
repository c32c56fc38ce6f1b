//! What a crash leaves behind, put right at start before the worker runs.
//!
//! - Interviewer turns and other jobs left `running`: on the embedded SQLite database this
//!   process is the only worker, so they are made claimable at once and replayed (turns are
//!   idempotent). On PostgreSQL other servers may be running them: their leases decide.
//! - Model-call traces left `running` are marked `interrupted`, and cost reservations never
//!   settled are settled at the reserved amount (the provider may have billed the call; a
//!   ceiling must not forget it). On PostgreSQL only those older than [`ABANDONED_AFTER_MS`],
//!   which no live call can be.

use rehearse_db::{now_ms, Backend, Db, DbError, JobQueue};
use rehearse_interview::service::SUMMARISE_JOB;
use rehearse_interview::store::TURN_JOB;
use rehearse_llm::trace::CallStatus;

/// Longer than any model call may run (the gateway's call timeout is far shorter).
pub const ABANDONED_AFTER_MS: i64 = 60 * 60 * 1000;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Recovered {
    pub jobs: u64,
    pub traces: u64,
    pub reservations: u64,
}

pub async fn after_crash(db: &Db) -> Result<Recovered, DbError> {
    let sole = db.backend() == Backend::Sqlite;
    let before = if sole {
        now_ms() + 1
    } else {
        now_ms() - ABANDONED_AFTER_MS
    };
    let jobs = if sole {
        JobQueue::new(db)
            .release_interrupted(&[TURN_JOB, SUMMARISE_JOB])
            .await?
    } else {
        0
    };
    let traces = sqlx::query(
        "UPDATE model_calls SET status = $1, \
         error = COALESCE(error, 'the server stopped during this call') \
         WHERE status = $2 AND started_at < $3",
    )
    .bind(CallStatus::Interrupted.as_str())
    .bind(CallStatus::Running.as_str())
    .bind(before)
    .execute(db.pool())
    .await?
    .rows_affected();
    let reservations = sqlx::query(
        "UPDATE spend SET charged_nanos = reserved_nanos WHERE charged_nanos IS NULL AND created_at < $1",
    )
    .bind(before)
    .execute(db.pool())
    .await?
    .rows_affected();
    let recovered = Recovered {
        jobs,
        traces,
        reservations,
    };
    if recovered != Recovered::default() {
        tracing::warn!(?recovered, "recovered work interrupted by a previous stop");
    }
    Ok(recovered)
}
