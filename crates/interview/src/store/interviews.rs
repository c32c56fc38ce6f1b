//! Interviews in the relational store: creating and reading them, and moving their phase,
//! status, rolling summary and report.
//!
//! Separate from the messages (`messages.rs`) because these statements touch the `interviews`
//! row only; creating an interview is the one place that also writes a message (its greeting).

use super::messages::{insert_message, NewMessage};
use super::{json_err, sql, Author, Grounded, InterviewStore};
use crate::flow::{Difficulty, FlowConfig, Kind, Phase};
use crate::scoring::Report;
use rehearse_db::{now_ms, DbError};
use sqlx::any::AnyRow;
use sqlx::Row;

/// Where an interview is: one definition, shared with the browser (`rehearse_types`).
pub use rehearse_types::InterviewStatus as Status;

#[derive(Debug, Clone, PartialEq)]
pub struct Interview {
    pub id: String,
    pub user_id: String,
    pub role_slug: String,
    pub role_title: String,
    pub kind: Kind,
    pub difficulty: Difficulty,
    pub config: FlowConfig,
    pub plan: Vec<String>,
    pub phase: Phase,
    pub status: Status,
    pub pause_reason: Option<String>,
    pub report: Option<Report>,
    /// Prompt versions pinned at start.
    pub prompt_pins: crate::prompts::Pins,
    /// The rolling summary of turns up to and including `summary_upto` (a message seq).
    pub summary: Option<String>,
    pub summary_upto: i64,
    /// The sequence number of the last candidate message whose interviewer turn completed.
    pub turn_seq: i64,
    pub created_at: i64,
}

/// A closed-set column (kind, difficulty, status) read back by its stored name; any other
/// text means the row is corrupt.
fn closed<T>(row: &AnyRow, column: &str, parse: fn(&str) -> Option<T>) -> Result<T, DbError> {
    let text: String = row.try_get(column).map_err(sql)?;
    parse(&text).ok_or_else(|| DbError::Corrupt(format!("interview {column} {text}")))
}

/// The columns [`interview_from`] reads, named rather than `*` (see `MESSAGE_COLUMNS`).
const INTERVIEW_COLUMNS: &str = "id, user_id, role_slug, role_title, kind, difficulty, config_json, plan_json, \
     phase_json, status, pause_reason, report_json, prompt_pins, summary, summary_upto, turn_seq, created_at";

fn interview_from(row: &AnyRow) -> Result<Interview, DbError> {
    let report: Option<String> = row.try_get("report_json").map_err(sql)?;
    Ok(Interview {
        id: row.try_get("id").map_err(sql)?,
        user_id: row.try_get("user_id").map_err(sql)?,
        role_slug: row.try_get("role_slug").map_err(sql)?,
        role_title: row.try_get("role_title").map_err(sql)?,
        kind: closed(row, "kind", Kind::parse)?,
        difficulty: closed(row, "difficulty", Difficulty::parse)?,
        config: serde_json::from_str(&row.try_get::<String, _>("config_json").map_err(sql)?)
            .map_err(json_err)?,
        plan: serde_json::from_str(&row.try_get::<String, _>("plan_json").map_err(sql)?)
            .map_err(json_err)?,
        phase: serde_json::from_str(&row.try_get::<String, _>("phase_json").map_err(sql)?)
            .map_err(json_err)?,
        status: closed(row, "status", Status::parse)?,
        pause_reason: row.try_get("pause_reason").map_err(sql)?,
        report: report
            .map(|r| serde_json::from_str(&r))
            .transpose()
            .map_err(json_err)?,
        prompt_pins: serde_json::from_str(&row.try_get::<String, _>("prompt_pins").map_err(sql)?)
            .map_err(json_err)?,
        summary: row.try_get("summary").map_err(sql)?,
        summary_upto: row.try_get("summary_upto").map_err(sql)?,
        turn_seq: row.try_get("turn_seq").map_err(sql)?,
        created_at: row.try_get("created_at").map_err(sql)?,
    })
}

impl InterviewStore {
    /// Creates an interview with its greeting, in one transaction: an interview never exists
    /// without its first message.
    pub async fn create(&self, interview: &Interview, greeting: &str) -> Result<(), DbError> {
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        sqlx::query(
            "INSERT INTO interviews (id, user_id, role_slug, role_title, kind, difficulty, config_json, plan_json, \
             phase_json, status, prompt_pins, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)",
        )
        .bind(&interview.id)
        .bind(&interview.user_id)
        .bind(&interview.role_slug)
        .bind(&interview.role_title)
        .bind(interview.kind.as_str())
        .bind(interview.difficulty.as_str())
        .bind(serde_json::to_string(&interview.config).map_err(json_err)?)
        .bind(serde_json::to_string(&interview.plan).map_err(json_err)?)
        .bind(serde_json::to_string(&interview.phase).map_err(json_err)?)
        .bind(interview.status.as_str())
        .bind(serde_json::to_string(&interview.prompt_pins).map_err(json_err)?)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(sql)?;
        let id = uuid::Uuid::new_v4().to_string();
        insert_message(
            &mut tx,
            NewMessage {
                id: &id,
                interview_id: &interview.id,
                author: Author::Interviewer,
                content: greeting,
                requirement_id: None,
                idempotency_key: None,
                call_id: None,
                grounded: Grounded::default(),
            },
        )
        .await?;
        tx.commit().await.map_err(sql)?;
        Ok(())
    }

    pub async fn get(&self, id: &str) -> Result<Option<Interview>, DbError> {
        let row = self
            .row_by(
                &format!("SELECT {INTERVIEW_COLUMNS} FROM interviews WHERE id = $1"),
                id,
            )
            .await?;
        row.as_ref().map(interview_from).transpose()
    }

    /// A user's interviews, newest first.
    pub async fn for_user(&self, user_id: &str) -> Result<Vec<Interview>, DbError> {
        let rows =
            sqlx::query(&format!("SELECT {INTERVIEW_COLUMNS} FROM interviews WHERE user_id = $1 ORDER BY created_at DESC, id"))
                .bind(user_id)
                .fetch_all(self.db.pool())
                .await
                .map_err(sql)?;
        rows.iter().map(interview_from).collect()
    }

    /// Moves the interview to `phase` as the end of the turn for candidate message `seq`, if
    /// that turn has not completed already (compare-and-set on `turn_seq`). False when another
    /// run of the same turn got there first: then nothing changes.
    pub async fn finish_turn(
        &self,
        id: &str,
        seq: i64,
        phase: &Phase,
        status: Status,
    ) -> Result<bool, DbError> {
        let update =
            "UPDATE interviews SET phase_json = $1, status = $2, pause_reason = NULL, turn_seq = $3, updated_at = $4 \
             WHERE id = $5 AND turn_seq < $3";
        Ok(self.update_phase(update, id, phase, status, seq).await? == 1)
    }

    pub async fn set_phase(
        &self,
        id: &str,
        phase: &Phase,
        status: Status,
        pause_reason: Option<&str>,
    ) -> Result<(), DbError> {
        let update = "UPDATE interviews SET phase_json = $1, status = $2, pause_reason = $3, updated_at = $4 WHERE id = $5";
        self.update_phase(update, id, phase, status, pause_reason)
            .await?;
        Ok(())
    }

    /// Runs one of the two phase moves above: an UPDATE whose parameters are the phase, the
    /// status, `third` (the one that differs between them), the time and the interview id, in
    /// that order. Returns how many rows it changed.
    async fn update_phase<'q, T>(
        &self,
        update: &'q str,
        id: &'q str,
        phase: &Phase,
        status: Status,
        third: T,
    ) -> Result<u64, DbError>
    where
        T: 'q + sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any>,
    {
        let done = sqlx::query(update)
            .bind(serde_json::to_string(phase).map_err(json_err)?)
            .bind(status.as_str())
            .bind(third)
            .bind(now_ms())
            .bind(id)
            .execute(self.db.pool())
            .await
            .map_err(sql)?;
        Ok(done.rows_affected())
    }

    /// Stores a newer rolling summary; an older one (a job that lost a race) never overwrites it.
    pub async fn set_summary(&self, id: &str, summary: &str, upto: i64) -> Result<(), DbError> {
        sqlx::query("UPDATE interviews SET summary = $1, summary_upto = $2 WHERE id = $3 AND summary_upto < $2")
            .bind(summary)
            .bind(upto)
            .bind(id)
            .execute(self.db.pool())
            .await
            .map_err(sql)?;
        Ok(())
    }

    pub async fn set_report(&self, id: &str, report: &Report) -> Result<(), DbError> {
        sqlx::query("UPDATE interviews SET report_json = $1, overall_tenths = $2, status = 'done', updated_at = $3 WHERE id = $4")
            .bind(serde_json::to_string(report).map_err(json_err)?)
            .bind((report.overall * 10.0).round() as i64)
            .bind(now_ms())
            .bind(id)
            .execute(self.db.pool())
            .await
            .map_err(sql)?;
        Ok(())
    }
}
