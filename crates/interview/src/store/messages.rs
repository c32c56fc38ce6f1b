//! Messages of an interview: who wrote them, how they are stored (`insert_message`, which
//! numbers them under the interview row's lock and opens the review of a held answer), how a
//! row is read back (`message_from_row`, also used by the review queue), appending with an
//! idempotency key, and the lookups by id and by key.
//!
//! Separate from the interviews (`interviews.rs`) and the candidate's turn (`turns.rs`), which
//! both insert through `insert_message` here.

use super::{json_err, sql, InterviewStore};
use rehearse_db::{now_ms, DbError};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;

/// Who wrote a message: one definition, shared with the browser (`rehearse_types`).
pub use rehearse_types::Author;

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

/// The columns [`message_from_row`] reads, named rather than `*` (see `TRACE_COLUMNS` in
/// `rehearse_llm::trace`: sqlx's SQLite worker panics when a statement prepared again returns
/// more columns than it noted at the first prepare).
pub(crate) const MESSAGE_COLUMNS: &str =
    "id, seq, author, content, requirement_id, citations_json, held, flags_json, created_at";

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

pub(super) async fn by_key_in(
    conn: &mut sqlx::AnyConnection,
    interview_id: &str,
    key: &str,
) -> Result<Option<Message>, DbError> {
    let row = sqlx::query(
        &format!("SELECT {MESSAGE_COLUMNS} FROM interview_messages WHERE interview_id = $1 AND idempotency_key = $2"),
    )
    .bind(interview_id)
    .bind(key)
    .fetch_optional(&mut *conn)
    .await
    .map_err(sql)?;
    row.as_ref().map(message_from_row).transpose()
}

/// A message to insert; `seq` and `created_at` are assigned on insert.
pub(super) struct NewMessage<'a> {
    pub(super) id: &'a str,
    pub(super) interview_id: &'a str,
    pub(super) author: Author,
    pub(super) content: &'a str,
    pub(super) requirement_id: Option<&'a str>,
    pub(super) idempotency_key: Option<&'a str>,
    pub(super) call_id: Option<&'a str>,
    pub(super) grounded: Grounded,
}

pub(super) async fn insert_message(
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

impl InterviewStore {
    pub async fn messages(&self, interview_id: &str) -> Result<Vec<Message>, DbError> {
        let rows = sqlx::query(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM interview_messages WHERE interview_id = $1 ORDER BY seq"
        ))
        .bind(interview_id)
        .fetch_all(self.db.pool())
        .await
        .map_err(sql)?;
        rows.iter().map(message_from_row).collect()
    }

    /// Appends a message with its citations and grounding outcome (`Grounded::default()` for
    /// none). A message with an idempotency key is stored once: a resubmission (a retry after a
    /// dropped connection, a replayed turn) returns the stored message instead of a second copy.
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

    pub async fn message(&self, id: &str) -> Result<Option<Message>, DbError> {
        let row = self
            .row_by(
                &format!("SELECT {MESSAGE_COLUMNS} FROM interview_messages WHERE id = $1"),
                id,
            )
            .await?;
        row.as_ref().map(message_from_row).transpose()
    }

    /// The trace of the model call (or the retrieval) that produced a message, if any.
    pub async fn trace_of(&self, message_id: &str) -> Result<Option<String>, DbError> {
        let row = self
            .row_by(
                "SELECT call_id FROM interview_messages WHERE id = $1",
                message_id,
            )
            .await?;
        Ok(row.and_then(|r| r.try_get::<Option<String>, _>("call_id").ok().flatten()))
    }

    /// The message stored under an idempotency key, if any.
    pub async fn message_by_key(
        &self,
        interview_id: &str,
        key: &str,
    ) -> Result<Option<Message>, DbError> {
        let mut conn = self.db.pool().acquire().await.map_err(sql)?;
        by_key_in(&mut conn, interview_id, key).await
    }
}
