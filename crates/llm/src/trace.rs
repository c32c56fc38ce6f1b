//! The trace of every model call: written as `running` when the call starts and completed when
//! it ends, whatever the ending (answer, error, timeout, refusal, cancellation), so a failure
//! can always be debugged from the table.

use rehearse_db::{Db, DbError};

fn sql_err(e: sqlx::Error) -> DbError {
    DbError::from(e)
}

rehearse_db::spelled_enum! {
    /// How a call ended (or that it has not yet).
    pub enum CallStatus {
        Running = "running",
        Ok = "ok",
        Error = "error",
        Timeout = "timeout",
        Cancelled = "cancelled",
        OverBudget = "over_budget",
        /// The server stopped during the call: set at the next start
        /// (`server/src/recovery.rs`), never by the gateway.
        Interrupted = "interrupted",
    }
}

/// What is known when a call starts: the trace row to insert. Owned, because it may wait in a
/// batch of call openings ([`crate::budget::BudgetStore::open`]). A stored [`Trace`] holds it
/// as its `call`.
#[derive(Debug, Clone, Default, PartialEq, sqlx::FromRow)]
pub struct NewTrace {
    pub id: String,
    pub started_at: i64,
    pub user_id: Option<String>,
    pub interview_id: Option<String>,
    pub step: String,
    pub provider: String,
    pub model: String,
    pub prompt_version: Option<String>,
    pub request_json: String,
    /// The ids of the passages and messages the prompt was built from, as a JSON list.
    #[sqlx(rename = "context_ids")]
    pub context_ids_json: String,
    pub screening_json: String,
}

impl NewTrace {
    /// Inserts the row on `conn` (a transaction's connection).
    pub async fn insert_on(&self, conn: &mut sqlx::AnyConnection) -> Result<(), DbError> {
        NewTrace::insert_all_on(conn, &[self]).await
    }

    /// Inserts rows on `conn`, status running, a few hundred to a statement: a batch of call
    /// openings writes its traces in a handful of statements, not one each.
    pub async fn insert_all_on(
        conn: &mut sqlx::AnyConnection,
        traces: &[&NewTrace],
    ) -> Result<(), DbError> {
        for rows in traces.chunks(ROWS_PER_INSERT) {
            let values = rehearse_db::placeholder_rows(rows.len(), 11, "'running'");
            let sql = format!(
                "INSERT INTO model_calls (id, started_at, user_id, interview_id, step, provider, model, \
                 prompt_version, request_json, context_ids, screening_json, status) VALUES {values}"
            );
            let mut query = sqlx::query(&sql);
            for t in rows {
                query = query
                    .bind(&t.id)
                    .bind(t.started_at)
                    .bind(&t.user_id)
                    .bind(&t.interview_id)
                    .bind(&t.step)
                    .bind(&t.provider)
                    .bind(&t.model)
                    .bind(&t.prompt_version)
                    .bind(&t.request_json)
                    .bind(&t.context_ids_json)
                    .bind(&t.screening_json);
            }
            query.execute(&mut *conn).await.map_err(sql_err)?;
        }
        Ok(())
    }
}

/// Rows in one multi-row insert: 11 parameters each stays far below SQLite's and PostgreSQL's
/// limits on parameters per statement (32,766 and 65,535).
const ROWS_PER_INSERT: usize = 200;

/// What is known when it ends.
#[derive(Debug, Clone)]
pub struct TraceEnd<'a> {
    pub status: CallStatus,
    /// The provider and model that answered: a fallback's when the primary failed (the
    /// primary's when none answered).
    pub provider: &'a str,
    pub model: &'a str,
    /// Every provider attempt in order (retries, fallbacks, breakers that refused), as JSON:
    /// `[{"provider", "model", "outcome", "ms"}]`.
    pub attempts_json: &'a str,
    pub output: &'a str,
    pub tool_calls_json: &'a str,
    pub refused_tools_json: &'a str,
    pub ttft_ms: Option<i64>,
    pub latency_ms: i64,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub cost_nanos: i64,
    pub error: Option<&'a str>,
}

/// A stored trace: what was known when the call started, and how it ended.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Trace {
    /// As the call was opened, except its provider and model: those are the ones that
    /// answered (a fallback's when the primary failed), written when it ended.
    #[sqlx(flatten)]
    pub call: NewTrace,
    /// Every provider attempt in order (see [`TraceEnd::attempts_json`]); `[]` for calls that
    /// never reached one.
    pub attempts_json: String,
    pub output: String,
    pub tool_calls_json: String,
    pub refused_tools_json: String,
    pub ttft_ms: Option<i64>,
    pub latency_ms: Option<i64>,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub cost_nanos: i64,
    pub status: CallStatus,
    pub error: Option<String>,
}

#[derive(Debug, Clone)]
pub struct TraceStore {
    db: Db,
}

impl TraceStore {
    pub fn new(db: &Db) -> Self {
        TraceStore { db: db.clone() }
    }

    pub async fn start(&self, t: &NewTrace) -> Result<(), DbError> {
        let mut conn = self.db.pool().acquire().await.map_err(sql_err)?;
        t.insert_on(&mut conn).await
    }

    pub async fn end(&self, id: &str, e: TraceEnd<'_>) -> Result<(), DbError> {
        sqlx::query(
            "UPDATE model_calls SET status = $1, output = $2, tool_calls_json = $3, refused_tools_json = $4, \
             ttft_ms = $5, latency_ms = $6, prompt_tokens = $7, completion_tokens = $8, cost_nanos = $9, \
             error = $10, provider = $11, model = $12, attempts_json = $13 WHERE id = $14",
        )
        .bind(e.status.as_str())
        .bind(e.output)
        .bind(e.tool_calls_json)
        .bind(e.refused_tools_json)
        .bind(e.ttft_ms)
        .bind(e.latency_ms)
        .bind(e.prompt_tokens)
        .bind(e.completion_tokens)
        .bind(e.cost_nanos)
        .bind(e.error)
        .bind(e.provider)
        .bind(e.model)
        .bind(e.attempts_json)
        .bind(id)
        .execute(self.db.pool())
        .await
        .map_err(sql_err)?;
        Ok(())
    }

    pub async fn get(&self, id: &str) -> Result<Option<Trace>, DbError> {
        let row = sqlx::query(&format!(
            "SELECT {TRACE_COLUMNS} FROM model_calls WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.db.pool())
        .await
        .map_err(sql_err)?;
        row.as_ref().map(rehearse_db::read_row).transpose()
    }

    /// Newest first, filtered by interview and/or status (`None` matches all).
    pub async fn search(
        &self,
        interview_id: Option<&str>,
        status: Option<CallStatus>,
        limit: i64,
    ) -> Result<Vec<Trace>, DbError> {
        let rows = sqlx::query(&format!(
            "SELECT {TRACE_COLUMNS} FROM model_calls WHERE ($1 = '' OR interview_id = $1) AND ($2 = '' OR status = $2) \
             ORDER BY started_at DESC, id LIMIT $3"
        ))
        .bind(interview_id.unwrap_or(""))
        .bind(status.map_or("", CallStatus::as_str))
        .bind(limit)
        .fetch_all(self.db.pool())
        .await
        .map_err(sql_err)?;
        rows.iter().map(rehearse_db::read_row).collect()
    }

    /// Newest first, optionally for one interview.
    pub async fn list(
        &self,
        interview_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Trace>, DbError> {
        let rows = match interview_id {
            Some(id) => {
                sqlx::query(&format!("SELECT {TRACE_COLUMNS} FROM model_calls WHERE interview_id = $1 ORDER BY started_at DESC, id LIMIT $2"))
                    .bind(id)
                    .bind(limit)
                    .fetch_all(self.db.pool())
                    .await
            }
            None => sqlx::query(&format!("SELECT {TRACE_COLUMNS} FROM model_calls ORDER BY started_at DESC, id LIMIT $1"))
                .bind(limit)
                .fetch_all(self.db.pool())
                .await,
        }
        .map_err(sql_err)?;
        rows.iter().map(rehearse_db::read_row).collect()
    }
}

/// Retention and data rights: traces keep the full prompt, which carries candidates' answers.
impl TraceStore {
    /// Deletes every finished trace of a call that started more than `days` days ago (prompt,
    /// output and metadata alike); returns how many. The spend ledger behind the cost ceilings
    /// is kept: it holds amounts, not words. The server's background worker runs this
    /// periodically with `REHEARSE_RETENTION__TRACE_DAYS`.
    pub async fn purge_older_than(&self, days: u32) -> Result<u64, DbError> {
        let cutoff = rehearse_db::now_ms() - i64::from(days) * 24 * 60 * 60 * 1000;
        self.purge_before(cutoff).await
    }

    /// Deletes every finished trace of a call that started before `cutoff_ms` (milliseconds
    /// since the epoch). A call still running is left to finish.
    pub async fn purge_before(&self, cutoff_ms: i64) -> Result<u64, DbError> {
        let done =
            sqlx::query("DELETE FROM model_calls WHERE started_at < $1 AND status <> 'running'")
                .bind(cutoff_ms)
                .execute(self.db.pool())
                .await
                .map_err(sql_err)?;
        Ok(done.rows_affected())
    }

    /// A user's traces, newest first: the calls made for them or in their interviews.
    pub async fn for_user(&self, user_id: &str) -> Result<Vec<Trace>, DbError> {
        let rows = sqlx::query(&format!(
            "SELECT {TRACE_COLUMNS} FROM model_calls WHERE user_id = $1 \
             OR interview_id IN (SELECT id FROM interviews WHERE user_id = $1) \
             ORDER BY started_at DESC, id"
        ))
        .bind(user_id)
        .fetch_all(self.db.pool())
        .await
        .map_err(sql_err)?;
        rows.iter().map(rehearse_db::read_row).collect()
    }
}

/// The columns a [`Trace`] is read from, named rather than `*`: sqlx's SQLite driver keeps the
/// column list of a statement from when it was prepared, and a statement SQLite prepares again
/// behind its back can then return more columns than that list, which panics sqlx's worker
/// thread. Seen once in a test run ("the len is 21 but the index is 21"; the read came back
/// empty); what changed the statement was not found. A named list keeps its width.
const TRACE_COLUMNS: &str = "id, started_at, user_id, interview_id, step, provider, model, prompt_version, request_json, context_ids, screening_json, attempts_json, output, tool_calls_json, refused_tools_json, ttft_ms, latency_ms, prompt_tokens, completion_tokens, cost_nanos, status, error";
