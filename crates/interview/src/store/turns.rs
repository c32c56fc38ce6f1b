//! The candidate's message and the interviewer's turn it starts: the turn job's payload and
//! dedup key, storing the message with its job in one transaction (an outbox), and enqueueing
//! the turn again for a stored message.
//!
//! Separate from plain appends (`messages.rs`) because this path also writes to the job queue
//! and decides whether the candidate may speak (one pending turn per interview).

use super::messages::{by_key_in, insert_message, NewMessage};
use super::{sql, Author, Grounded, InterviewStore, Message};
use rehearse_db::{now_ms, DbError};
use serde::{Deserialize, Serialize};
use sqlx::Row;

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
    /// The interview ended (its last turn wrapped it up after the caller read it): nothing
    /// stored, since no turn would ever answer it.
    Over,
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

/// Where the interview stands for a new candidate message, read inside the submitting
/// transaction (the caller's earlier read may be stale by now).
struct Standing {
    /// The turn of the interview's last candidate message has completed.
    previous_turn_completed: bool,
    /// The interview is over.
    over: bool,
}

async fn standing(conn: &mut sqlx::AnyConnection, interview_id: &str) -> Result<Standing, DbError> {
    let row = sqlx::query(
        "SELECT i.turn_seq AS done, i.status AS status, COALESCE((SELECT MAX(m.seq) FROM \
         interview_messages m WHERE m.interview_id = i.id AND m.author = 'candidate'), 0) AS last \
         FROM interviews i WHERE i.id = $1",
    )
    .bind(interview_id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(sql)?;
    let Some(r) = row else {
        return Ok(Standing {
            previous_turn_completed: false,
            over: false,
        });
    };
    let status: String = r.try_get("status").map_err(sql)?;
    Ok(Standing {
        previous_turn_completed: r.try_get::<i64, _>("done").map_err(sql)?
            >= r.try_get::<i64, _>("last").map_err(sql)?,
        over: status == super::Status::Done.as_str(),
    })
}

impl InterviewStore {
    /// Stores a candidate's message and the job that plays the interviewer's turn, in one
    /// transaction (an outbox): both commit or neither does. Idempotent by `key` with Stripe's
    /// semantics: the same key and text give back the stored message, the same key with
    /// another text is refused, and nothing is stored while an earlier turn is pending or once
    /// the interview is over.
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
        let standing = standing(&mut tx, interview_id).await?;
        let completed = standing.previous_turn_completed;
        if !queued && completed && !standing.over {
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
        // The turn that ended the interview may have completed after the caller read it as
        // running: a message now would be stored and never answered.
        if standing.over {
            tx.rollback().await.map_err(sql)?;
            return Ok(Offered::Over);
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
}
