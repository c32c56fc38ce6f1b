//! Interviews and their messages in the relational store.

use crate::flow::{Difficulty, FlowConfig, Kind, Phase};
use crate::scoring::Report;
use rehearse_db::{now_ms, Db, DbError};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;

mod usage;

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
    /// The sequence number of the last candidate message whose interviewer turn completed.
    pub turn_seq: i64,
    pub created_at: i64,
}

/// Who wrote a message. Stored and sent as `candidate` or `interviewer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Author {
    Candidate,
    Interviewer,
}

impl Author {
    pub fn as_str(self) -> &'static str {
        match self {
            Author::Candidate => "candidate",
            Author::Interviewer => "interviewer",
        }
    }

    /// The author stored as `text`.
    pub fn parse(text: &str) -> Option<Author> {
        match text {
            "candidate" => Some(Author::Candidate),
            "interviewer" => Some(Author::Interviewer),
            _ => None,
        }
    }
}

/// Compares with the stored name (`message.author == "candidate"` in tests and checks).
impl PartialEq<&str> for Author {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub id: String,
    pub seq: i64,
    pub author: Author,
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
    /// For a held answer: what its review needs (stored with the message, atomically).
    pub hold: Option<crate::review::Hold>,
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
        turn_seq: row.try_get("turn_seq").map_err(sql)?,
        created_at: row.try_get("created_at").map_err(sql)?,
    })
}

pub(crate) fn message_from_row(row: &AnyRow) -> Result<Message, DbError> {
    Ok(Message {
        id: row.try_get("id").map_err(sql)?,
        seq: row.try_get("seq").map_err(sql)?,
        author: {
            let text: String = row.try_get("author").map_err(sql)?;
            Author::parse(&text)
                .ok_or_else(|| DbError::Corrupt(format!("a message's author is '{text}'")))?
        },
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

/// What became of a candidate's message offered with its turn (see
/// [`InterviewStore::submit_candidate`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Offered {
    /// Stored now, with the job that plays the interviewer's turn.
    New(Message),
    /// The same key with the same text was stored before: that message, nothing new.
    Duplicate(Message),
    /// The same key was used before for a different text: nothing stored.
    KeyReused,
    /// The interviewer's turn for an earlier message is still pending: nothing stored.
    Busy,
}

/// The job that plays the interviewer's turn after a candidate's message.
pub const TURN_JOB: &str = "interview_turn";

/// The typed payload of a [`TURN_JOB`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TurnJob {
    pub interview_id: String,
    /// The candidate's message the turn answers.
    pub message_id: String,
}

impl rehearse_db::JobPayload for TurnJob {
    const KIND: &'static str = TURN_JOB;
    fn dedup_key(&self) -> Option<String> {
        Some(turn_dedup_key(&self.interview_id))
    }
}

/// At most one pending turn per interview: the queue's dedup key.
pub fn turn_dedup_key(interview_id: &str) -> String {
    format!("{TURN_JOB}:{interview_id}")
}

/// The next sequence number of an interview's messages, taken under the interview row's lock
/// inside `tx`.
async fn next_seq(
    conn: &mut sqlx::AnyConnection,
    interview_id: &str,
    now: i64,
) -> Result<i64, DbError> {
    let row = sqlx::query(
        "UPDATE interviews SET last_seq = last_seq + 1, updated_at = $1 WHERE id = $2 RETURNING last_seq",
    )
    .bind(now)
    .bind(interview_id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(sql)?
    .ok_or(DbError::NotFound)?;
    row.try_get::<i64, _>("last_seq").map_err(sql)
}

async fn by_key_in(
    conn: &mut sqlx::AnyConnection,
    interview_id: &str,
    key: &str,
) -> Result<Option<Message>, DbError> {
    let row = sqlx::query(
        "SELECT * FROM interview_messages WHERE interview_id = $1 AND idempotency_key = $2",
    )
    .bind(interview_id)
    .bind(key)
    .fetch_optional(&mut *conn)
    .await
    .map_err(sql)?;
    row.as_ref().map(message_from_row).transpose()
}

/// True when the turn of the interview's last candidate message has completed.
async fn previous_turn_completed(
    conn: &mut sqlx::AnyConnection,
    interview_id: &str,
) -> Result<bool, DbError> {
    let row = sqlx::query(
        "SELECT i.turn_seq AS done, COALESCE((SELECT MAX(m.seq) FROM interview_messages m \
         WHERE m.interview_id = i.id AND m.author = 'candidate'), 0) AS last \
         FROM interviews i WHERE i.id = $1",
    )
    .bind(interview_id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(sql)?;
    Ok(match row {
        Some(r) => {
            r.try_get::<i64, _>("done").map_err(sql)? >= r.try_get::<i64, _>("last").map_err(sql)?
        }
        None => false,
    })
}

/// A message to insert; `seq` and `created_at` are assigned on insert.
struct NewMessage<'a> {
    id: &'a str,
    interview_id: &'a str,
    author: Author,
    content: &'a str,
    requirement_id: Option<&'a str>,
    idempotency_key: Option<&'a str>,
    call_id: Option<&'a str>,
    grounded: Grounded,
}

async fn insert_message(
    conn: &mut sqlx::AnyConnection,
    new: NewMessage<'_>,
) -> Result<Message, DbError> {
    let now = now_ms();
    let seq = next_seq(conn, new.interview_id, now).await?;
    sqlx::query(
        "INSERT INTO interview_messages (id, interview_id, seq, author, content, requirement_id, idempotency_key, call_id, created_at, citations_json, held, flags_json) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(new.id)
    .bind(new.interview_id)
    .bind(seq)
    .bind(new.author.as_str())
    .bind(new.content)
    .bind(new.requirement_id)
    .bind(new.idempotency_key)
    .bind(new.call_id)
    .bind(now)
    .bind(serde_json::to_string(&new.grounded.citations).map_err(json_err)?)
    .bind(i64::from(new.grounded.held))
    .bind(serde_json::to_string(&new.grounded.flags).map_err(json_err)?)
    .execute(&mut *conn)
    .await
    .map_err(sql)?;
    let message = Message {
        id: new.id.to_owned(),
        seq,
        author: new.author,
        content: new.content.to_owned(),
        requirement_id: new.requirement_id.map(str::to_owned),
        citations: new.grounded.citations,
        held: new.grounded.held,
        flags: new.grounded.flags,
        created_at: now,
    };
    if message.held {
        // Nothing held is ever without a reviewer: the review opens with the message.
        let hold = new.grounded.hold.unwrap_or_default();
        crate::review::ReviewStore::open_in(conn, &message, new.interview_id, &hold).await?;
    }
    Ok(message)
}

#[derive(Debug, Clone)]
pub struct InterviewStore {
    db: Db,
}

impl InterviewStore {
    /// The review queue of held answers, on the same database.
    pub fn reviews(&self) -> crate::review::ReviewStore {
        crate::review::ReviewStore::new(&self.db)
    }

    pub fn new(db: &Db) -> Self {
        InterviewStore { db: db.clone() }
    }

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
        .bind(enum_text(&interview.kind))
        .bind(enum_text(&interview.difficulty))
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
        rows.iter().map(message_from_row).collect()
    }

    /// Appends a message. Candidate messages carry the browser's idempotency key: a resubmission
    /// (a retry after a dropped connection) returns the stored message instead of a second copy.
    pub async fn append(
        &self,
        interview_id: &str,
        author: Author,
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
        author: Author,
        content: &str,
        requirement_id: Option<&str>,
        idempotency_key: Option<&str>,
        call_id: Option<&str>,
        grounded: Grounded,
    ) -> Result<Submitted, DbError> {
        let id = uuid::Uuid::new_v4().to_string();
        let mut tx = self.db.begin_write().await?;
        if let Some(key) = idempotency_key {
            if let Some(existing) = by_key_in(&mut tx, interview_id, key).await? {
                return Ok(Submitted::Duplicate(existing));
            }
        }
        let message = insert_message(
            &mut tx,
            NewMessage {
                id: &id,
                interview_id,
                author,
                content,
                requirement_id,
                idempotency_key,
                call_id,
                grounded,
            },
        )
        .await;
        match message {
            Ok(message) => {
                tx.commit().await.map_err(sql)?;
                Ok(Submitted::New(message))
            }
            // Another run stored it first (two runs of one turn on PostgreSQL).
            Err(DbError::Conflict) if idempotency_key.is_some() => {
                drop(tx);
                let key = idempotency_key.unwrap_or_default();
                self.message_by_key(interview_id, key)
                    .await?
                    .map(Submitted::Duplicate)
                    .ok_or(DbError::Conflict)
            }
            Err(e) => Err(e),
        }
    }

    /// Stores a candidate's message and the job that plays the interviewer's turn, in one
    /// transaction (an outbox): both commit or neither does. Idempotent by `key` with Stripe's
    /// semantics: the same key and text give back the stored message, the same key with
    /// another text is refused, and nothing is stored while an earlier turn is pending.
    pub async fn submit_candidate(
        &self,
        interview_id: &str,
        content: &str,
        key: &str,
    ) -> Result<Offered, DbError> {
        let id = uuid::Uuid::new_v4().to_string();
        let turn = TurnJob {
            interview_id: interview_id.to_owned(),
            message_id: id.clone(),
        };
        let same = |m: Message| {
            if m.content == content {
                Offered::Duplicate(m)
            } else {
                Offered::KeyReused
            }
        };
        let mut tx = self.db.begin_write().await?;
        // The job first: it takes the write lock, and its dedup key admits one pending turn.
        let dedup = turn_dedup_key(interview_id);
        let mut queued = rehearse_db::JobQueue::push_in(&mut tx, &turn).await?;
        let completed = previous_turn_completed(&mut tx, interview_id).await?;
        if !queued && completed {
            // The previous turn's replies and phase are committed; only its job row is still
            // being closed by the worker. The candidate may go on: close it here.
            sqlx::query(
                "UPDATE jobs SET status = 'done', updated_at = $1 WHERE dedup_key = $2 \
                 AND status IN ('queued', 'running')",
            )
            .bind(now_ms())
            .bind(&dedup)
            .execute(&mut *tx)
            .await
            .map_err(sql)?;
            queued = rehearse_db::JobQueue::push_in(&mut tx, &turn).await?;
        }
        if let Some(existing) = by_key_in(&mut tx, interview_id, key).await? {
            tx.rollback().await.map_err(sql)?;
            return Ok(same(existing));
        }
        // The previous message's turn must be complete: one that failed for good after storing
        // a reply but before moving the phase would otherwise answer this message from the
        // stale phase (asking a question twice). The candidate is offered a retry of that turn.
        if !queued || !completed {
            tx.rollback().await.map_err(sql)?;
            return Ok(Offered::Busy);
        }
        let message = insert_message(
            &mut tx,
            NewMessage {
                id: &id,
                interview_id,
                author: Author::Candidate,
                content,
                requirement_id: None,
                idempotency_key: Some(key),
                call_id: None,
                grounded: Grounded::default(),
            },
        )
        .await;
        let message = match message {
            Ok(m) => m,
            // A concurrent submission with the same key committed first (PostgreSQL).
            Err(DbError::Conflict) => {
                drop(tx);
                return match self.message_by_key(interview_id, key).await? {
                    Some(existing) => Ok(same(existing)),
                    None => Err(DbError::Conflict),
                };
            }
            Err(e) => return Err(e),
        };
        tx.commit().await.map_err(sql)?;
        Ok(Offered::New(message))
    }

    /// Enqueues the turn for an already stored candidate message (resuming a paused interview
    /// or retrying a failed turn). False if a turn is already pending.
    pub async fn enqueue_turn(
        &self,
        interview_id: &str,
        message_id: &str,
    ) -> Result<bool, DbError> {
        rehearse_db::JobQueue::new(&self.db)
            .push(&TurnJob {
                interview_id: interview_id.to_owned(),
                message_id: message_id.to_owned(),
            })
            .await
    }

    pub async fn message(&self, id: &str) -> Result<Option<Message>, DbError> {
        let row = sqlx::query("SELECT * FROM interview_messages WHERE id = $1")
            .bind(id)
            .fetch_optional(self.db.pool())
            .await
            .map_err(sql)?;
        row.as_ref().map(message_from_row).transpose()
    }

    /// The trace of the model call (or the retrieval) that produced a message, if any.
    pub async fn trace_of(&self, message_id: &str) -> Result<Option<String>, DbError> {
        let row = sqlx::query("SELECT call_id FROM interview_messages WHERE id = $1")
            .bind(message_id)
            .fetch_optional(self.db.pool())
            .await
            .map_err(sql)?;
        Ok(row.and_then(|r| r.try_get::<Option<String>, _>("call_id").ok().flatten()))
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
        let done = sqlx::query(
            "UPDATE interviews SET phase_json = $1, status = $2, pause_reason = NULL, turn_seq = $3, updated_at = $4 \
             WHERE id = $5 AND turn_seq < $3",
        )
        .bind(serde_json::to_string(phase).map_err(json_err)?)
        .bind(status.as_str())
        .bind(seq)
        .bind(now_ms())
        .bind(id)
        .execute(self.db.pool())
        .await
        .map_err(sql)?;
        Ok(done.rows_affected() == 1)
    }

    /// The message stored under an idempotency key, if any.
    pub async fn message_by_key(
        &self,
        interview_id: &str,
        key: &str,
    ) -> Result<Option<Message>, DbError> {
        let row = sqlx::query(
            "SELECT * FROM interview_messages WHERE interview_id = $1 AND idempotency_key = $2",
        )
        .bind(interview_id)
        .bind(key)
        .fetch_optional(self.db.pool())
        .await
        .map_err(sql)?;
        row.as_ref().map(message_from_row).transpose()
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
