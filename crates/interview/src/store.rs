//! Interviews and their messages in the relational store.

use crate::flow::{Difficulty, FlowConfig, Kind, Phase};
use crate::scoring::Report;
use rehearse_db::{now_ms, Db, DbError};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;

fn sql(e: sqlx::Error) -> DbError {
    DbError::from(e)
}

fn json_err(e: serde_json::Error) -> DbError {
    DbError::Corrupt(e.to_string())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Active,
    Paused,
    Done,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Paused => "paused",
            Status::Done => "done",
        }
    }
    fn parse(s: &str) -> Result<Status, DbError> {
        match s {
            "active" => Ok(Status::Active),
            "paused" => Ok(Status::Paused),
            "done" => Ok(Status::Done),
            other => Err(DbError::Corrupt(format!("interview status {other}"))),
        }
    }
}

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
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub id: String,
    pub seq: i64,
    pub author: String,
    pub content: String,
    pub requirement_id: Option<String>,
    /// The job-description chunks an answer about the role quotes.
    pub citations: Vec<rehearse_knowledge::Citation>,
    /// Held back from the candidate: the answer failed the grounding check (see `flags`).
    pub held: bool,
    pub flags: Vec<String>,
    pub created_at: i64,
}

/// What an interviewer answer carries besides its text.
#[derive(Debug, Clone, Default)]
pub struct Grounded {
    pub citations: Vec<rehearse_knowledge::Citation>,
    pub held: bool,
    pub flags: Vec<String>,
}

fn enum_text<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn enum_parse<T: for<'de> Deserialize<'de>>(text: &str) -> Result<T, DbError> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).map_err(json_err)
}

fn interview_from(row: &AnyRow) -> Result<Interview, DbError> {
    let report: Option<String> = row.try_get("report_json").map_err(sql)?;
    Ok(Interview {
        id: row.try_get("id").map_err(sql)?,
        user_id: row.try_get("user_id").map_err(sql)?,
        role_slug: row.try_get("role_slug").map_err(sql)?,
        role_title: row.try_get("role_title").map_err(sql)?,
        kind: enum_parse(&row.try_get::<String, _>("kind").map_err(sql)?)?,
        difficulty: enum_parse(&row.try_get::<String, _>("difficulty").map_err(sql)?)?,
        config: serde_json::from_str(&row.try_get::<String, _>("config_json").map_err(sql)?)
            .map_err(json_err)?,
        plan: serde_json::from_str(&row.try_get::<String, _>("plan_json").map_err(sql)?)
            .map_err(json_err)?,
        phase: serde_json::from_str(&row.try_get::<String, _>("phase_json").map_err(sql)?)
            .map_err(json_err)?,
        status: Status::parse(&row.try_get::<String, _>("status").map_err(sql)?)?,
        pause_reason: row.try_get("pause_reason").map_err(sql)?,
        report: report
            .map(|r| serde_json::from_str(&r))
            .transpose()
            .map_err(json_err)?,
        prompt_pins: serde_json::from_str(&row.try_get::<String, _>("prompt_pins").map_err(sql)?)
            .map_err(json_err)?,
        summary: row.try_get("summary").map_err(sql)?,
        summary_upto: row.try_get("summary_upto").map_err(sql)?,
        created_at: row.try_get("created_at").map_err(sql)?,
    })
}

fn message_from(row: &AnyRow) -> Result<Message, DbError> {
    Ok(Message {
        id: row.try_get("id").map_err(sql)?,
        seq: row.try_get("seq").map_err(sql)?,
        author: row.try_get("author").map_err(sql)?,
        content: row.try_get("content").map_err(sql)?,
        requirement_id: row.try_get("requirement_id").map_err(sql)?,
        citations: serde_json::from_str(&row.try_get::<String, _>("citations_json").map_err(sql)?)
            .map_err(json_err)?,
        held: row.try_get::<i64, _>("held").map_err(sql)? != 0,
        flags: serde_json::from_str(&row.try_get::<String, _>("flags_json").map_err(sql)?)
            .map_err(json_err)?,
        created_at: row.try_get("created_at").map_err(sql)?,
    })
}

/// The result of submitting a candidate message.
#[derive(Debug, Clone, PartialEq)]
pub enum Submitted {
    /// Stored now.
    New(Message),
    /// The same idempotency key was used before: this is the message stored then.
    Duplicate(Message),
}

#[derive(Debug, Clone)]
pub struct InterviewStore {
    db: Db,
}

impl InterviewStore {
    pub fn new(db: &Db) -> Self {
        InterviewStore { db: db.clone() }
    }

    pub async fn create(&self, interview: &Interview) -> Result<(), DbError> {
        let now = now_ms();
        sqlx::query(
            "INSERT INTO interviews (id, user_id, role_slug, role_title, kind, difficulty, config_json, plan_json, \
             phase_json, status, prompt_pins, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)",
        )
        .bind(&interview.id)
        .bind(&interview.user_id)
        .bind(&interview.role_slug)
        .bind(&interview.role_title)
        .bind(enum_text(&interview.kind))
        .bind(enum_text(&interview.difficulty))
        .bind(serde_json::to_string(&interview.config).map_err(json_err)?)
        .bind(serde_json::to_string(&interview.plan).map_err(json_err)?)
        .bind(serde_json::to_string(&interview.phase).map_err(json_err)?)
        .bind(interview.status.as_str())
        .bind(serde_json::to_string(&interview.prompt_pins).map_err(json_err)?)
        .bind(now)
        .execute(self.db.pool())
        .await
        .map_err(sql)?;
        Ok(())
    }

    pub async fn get(&self, id: &str) -> Result<Option<Interview>, DbError> {
        let row = sqlx::query("SELECT * FROM interviews WHERE id = $1")
            .bind(id)
            .fetch_optional(self.db.pool())
            .await
            .map_err(sql)?;
        row.as_ref().map(interview_from).transpose()
    }

    /// A user's interviews, newest first.
    pub async fn for_user(&self, user_id: &str) -> Result<Vec<Interview>, DbError> {
        let rows =
            sqlx::query("SELECT * FROM interviews WHERE user_id = $1 ORDER BY created_at DESC, id")
                .bind(user_id)
                .fetch_all(self.db.pool())
                .await
                .map_err(sql)?;
        rows.iter().map(interview_from).collect()
    }

    pub async fn messages(&self, interview_id: &str) -> Result<Vec<Message>, DbError> {
        let rows =
            sqlx::query("SELECT * FROM interview_messages WHERE interview_id = $1 ORDER BY seq")
                .bind(interview_id)
                .fetch_all(self.db.pool())
                .await
                .map_err(sql)?;
        rows.iter().map(message_from).collect()
    }

    /// Appends a message. Candidate messages carry the browser's idempotency key: a resubmission
    /// (a retry after a dropped connection) returns the stored message instead of a second copy.
    pub async fn append(
        &self,
        interview_id: &str,
        author: &str,
        content: &str,
        requirement_id: Option<&str>,
        idempotency_key: Option<&str>,
        call_id: Option<&str>,
    ) -> Result<Submitted, DbError> {
        self.append_grounded(
            interview_id,
            author,
            content,
            requirement_id,
            idempotency_key,
            call_id,
            Grounded::default(),
        )
        .await
    }

    /// Appends a message with its citations and grounding outcome.
    #[allow(clippy::too_many_arguments)]
    pub async fn append_grounded(
        &self,
        interview_id: &str,
        author: &str,
        content: &str,
        requirement_id: Option<&str>,
        idempotency_key: Option<&str>,
        call_id: Option<&str>,
        grounded: Grounded,
    ) -> Result<Submitted, DbError> {
        if let Some(key) = idempotency_key {
            if let Some(existing) = self.by_key(interview_id, key).await? {
                return Ok(Submitted::Duplicate(existing));
            }
        }
        let id = uuid::Uuid::new_v4().to_string();
        let now = now_ms();
        let mut tx = self.db.pool().begin().await.map_err(sql)?;
        let row = sqlx::query(
            "SELECT COALESCE(MAX(seq), 0) AS s FROM interview_messages WHERE interview_id = $1",
        )
        .bind(interview_id)
        .fetch_one(&mut *tx)
        .await
        .map_err(sql)?;
        let seq: i64 = row.try_get::<i64, _>("s").map_err(sql)? + 1;
        let inserted = sqlx::query(
            "INSERT INTO interview_messages (id, interview_id, seq, author, content, requirement_id, idempotency_key, call_id, created_at, citations_json, held, flags_json) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(&id)
        .bind(interview_id)
        .bind(seq)
        .bind(author)
        .bind(content)
        .bind(requirement_id)
        .bind(idempotency_key)
        .bind(call_id)
        .bind(now)
        .bind(serde_json::to_string(&grounded.citations).map_err(json_err)?)
        .bind(i64::from(grounded.held))
        .bind(serde_json::to_string(&grounded.flags).map_err(json_err)?)
        .execute(&mut *tx)
        .await;
        match inserted.map_err(DbError::from) {
            Ok(_) => {}
            // A concurrent submission with the same key won the race: return its message.
            Err(DbError::Conflict) if idempotency_key.is_some() => {
                drop(tx);
                let key = idempotency_key.unwrap_or_default();
                return self
                    .by_key(interview_id, key)
                    .await?
                    .map(Submitted::Duplicate)
                    .ok_or(DbError::Conflict);
            }
            Err(e) => return Err(e),
        }
        sqlx::query("UPDATE interviews SET updated_at = $1 WHERE id = $2")
            .bind(now)
            .bind(interview_id)
            .execute(&mut *tx)
            .await
            .map_err(sql)?;
        tx.commit().await.map_err(sql)?;
        Ok(Submitted::New(Message {
            id,
            seq,
            author: author.to_owned(),
            content: content.to_owned(),
            requirement_id: requirement_id.map(str::to_owned),
            citations: grounded.citations,
            held: grounded.held,
            flags: grounded.flags,
            created_at: now,
        }))
    }

    async fn by_key(&self, interview_id: &str, key: &str) -> Result<Option<Message>, DbError> {
        let row = sqlx::query(
            "SELECT * FROM interview_messages WHERE interview_id = $1 AND idempotency_key = $2",
        )
        .bind(interview_id)
        .bind(key)
        .fetch_optional(self.db.pool())
        .await
        .map_err(sql)?;
        row.as_ref().map(message_from).transpose()
    }

    pub async fn set_phase(
        &self,
        id: &str,
        phase: &Phase,
        status: Status,
        pause_reason: Option<&str>,
    ) -> Result<(), DbError> {
        sqlx::query("UPDATE interviews SET phase_json = $1, status = $2, pause_reason = $3, updated_at = $4 WHERE id = $5")
            .bind(serde_json::to_string(phase).map_err(json_err)?)
            .bind(status.as_str())
            .bind(pause_reason)
            .bind(now_ms())
            .bind(id)
            .execute(self.db.pool())
            .await
            .map_err(sql)?;
        Ok(())
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
