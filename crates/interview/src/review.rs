//! The review queue: held answers waiting for a person.
//!
//! A held message gets its review row in the transaction that stores it, so nothing held is
//! ever without a reviewer. A reviewer claims an item before deciding; the claim is a lease
//! that runs out if abandoned, and a decision is accepted only from the holder of a live claim
//! (one conditional `UPDATE`, so two reviewers can never both decide one item on either
//! database). The decision and the message the candidate reads change in one transaction.
//! An item whose deadline passes gives the candidate the honest fallback, never the
//! unreviewed text, and stays in the queue marked expired. An edit is stored as a word diff
//! of the held text beside both texts (`diff_json`), so what the reviewer changed is read
//! without recomputing it; an "edit" that changes nothing is recorded as an approval.

use crate::store::{message_from_row, Message, MESSAGE_COLUMNS};
use crate::textdiff;
use crate::verdict::{fallback_for, HoldReason};
use rehearse_db::{now_ms, Db, DbError};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

mod types;

pub use types::{Decision, QueueFilter, ReviewError, ReviewItem, ReviewStatus};

/// The longest edited answer a reviewer may write.
pub const MAX_EDIT_CHARS: usize = 4000;

#[derive(Debug, Clone)]
pub struct ReviewStore {
    pub(crate) db: Db,
}

fn sql(e: sqlx::Error) -> DbError {
    DbError::from(e)
}

/// The columns `item_from` reads, named rather than `r.*`: the same guard as the messages' and
/// traces' named lists against sqlx's SQLite worker misreading a row's width.
const SELECT: &str = "SELECT r.id, r.message_id, r.interview_id, r.question, r.held_text, \
     r.reasons_json, r.status, r.claimed_by, r.claim_until, r.decided_by, r.decided_at, \
     r.final_text, r.note, r.deadline_at, r.created_at, r.diff_json, i.role_slug, i.role_title \
     FROM reviews r JOIN interviews i ON i.id = r.interview_id";

fn item_from(row: &AnyRow) -> Result<ReviewItem, DbError> {
    let status = ReviewStatus::parse(&row.try_get::<String, _>("status").map_err(sql)?)?;
    let held_text: String = row.try_get("held_text").map_err(sql)?;
    let final_text: Option<String> = row.try_get("final_text").map_err(sql)?;
    let stored_diff: Option<String> = row.try_get("diff_json").map_err(sql)?;
    let edit_diff = match (stored_diff, status, &final_text) {
        (Some(json), _, _) => Some(
            serde_json::from_str(&json)
                .map_err(|e| DbError::Corrupt(format!("review diff: {e}")))?,
        ),
        // Edited before diffs were stored: both texts are kept, so the diff can be made.
        (None, ReviewStatus::Edited, Some(edited)) => Some(textdiff::words(&held_text, edited)),
        _ => None,
    };
    Ok(ReviewItem {
        id: row.try_get("id").map_err(sql)?,
        message_id: row.try_get("message_id").map_err(sql)?,
        interview_id: row.try_get("interview_id").map_err(sql)?,
        role_slug: row.try_get("role_slug").map_err(sql)?,
        role_title: row.try_get("role_title").map_err(sql)?,
        question: row.try_get("question").map_err(sql)?,
        held_text,
        reasons: serde_json::from_str(&row.try_get::<String, _>("reasons_json").map_err(sql)?)
            .map_err(|e| DbError::Corrupt(format!("review reasons: {e}")))?,
        status,
        claimed_by: row.try_get("claimed_by").map_err(sql)?,
        claim_until: row.try_get("claim_until").map_err(sql)?,
        decided_by: row.try_get("decided_by").map_err(sql)?,
        decided_at: row.try_get("decided_at").map_err(sql)?,
        final_text,
        note: row.try_get("note").map_err(sql)?,
        deadline_at: row.try_get("deadline_at").map_err(sql)?,
        created_at: row.try_get("created_at").map_err(sql)?,
        edit_diff,
    })
}

/// What a held message needs for its review row.
#[derive(Debug, Clone, Default)]
pub struct Hold {
    /// The candidate's question the held answer replies to.
    pub question: String,
    pub reasons: Vec<HoldReason>,
    /// When the candidate gets the fallback if nobody decided (None: no deadline).
    pub deadline_at: Option<i64>,
}

impl ReviewStore {
    pub fn new(db: &Db) -> Self {
        ReviewStore { db: db.clone() }
    }

    /// Opens the review of a held message, on the transaction that stores the message.
    pub(crate) async fn open_in(
        conn: &mut AnyConnection,
        message: &Message,
        interview_id: &str,
        hold: &Hold,
    ) -> Result<(), DbError> {
        let keys: Vec<&str> = hold.reasons.iter().map(HoldReason::key).collect();
        sqlx::query(
            "INSERT INTO reviews (id, message_id, interview_id, question, held_text, reasons_json, reason_keys, status, deadline_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(&message.id)
        .bind(interview_id)
        .bind(&hold.question)
        .bind(&message.content)
        .bind(serde_json::to_string(&hold.reasons).map_err(|e| DbError::Corrupt(e.to_string()))?)
        .bind(format!(" {} ", keys.join(" ")))
        .bind(hold.deadline_at)
        .bind(now_ms())
        .execute(&mut *conn)
        .await
        .map_err(sql)?;
        Ok(())
    }

    /// Open items (pending, and expired ones still to be looked at), oldest first.
    pub async fn queue(&self, filter: &QueueFilter) -> Result<Vec<ReviewItem>, DbError> {
        let sql_text = format!(
            "{SELECT} WHERE r.status IN ('pending', 'expired') AND ($1 = '' OR r.reason_keys LIKE $2) \
             AND ($3 = '' OR i.role_slug = $3) \
             ORDER BY CASE WHEN r.status = 'pending' THEN 0 ELSE 1 END, r.created_at LIMIT 200"
        );
        let reason = filter.reason.clone().unwrap_or_default();
        let rows = sqlx::query(&sql_text)
            .bind(&reason)
            .bind(format!("% {reason} %"))
            .bind(filter.role_slug.clone().unwrap_or_default())
            .fetch_all(self.db.pool())
            .await
            .map_err(sql)?;
        rows.iter().map(item_from).collect()
    }

    /// How many items wait for a decision (the staff badge).
    pub async fn pending_count(&self) -> Result<i64, DbError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM reviews WHERE status = 'pending'")
            .fetch_one(self.db.pool())
            .await
            .map_err(sql)?;
        row.try_get("n").map_err(sql)
    }

    pub async fn get(&self, id: &str) -> Result<Option<ReviewItem>, DbError> {
        self.item_where("r.id", id).await
    }

    /// The review of one message, if it was held.
    pub async fn for_message(&self, message_id: &str) -> Result<Option<ReviewItem>, DbError> {
        self.item_where("r.message_id", message_id).await
    }

    /// The review item whose `column` (a column of `r`, the reviews table) is `key`, if any:
    /// the one lookup behind [`get`](Self::get) and [`for_message`](Self::for_message).
    async fn item_where(&self, column: &str, key: &str) -> Result<Option<ReviewItem>, DbError> {
        let row = sqlx::query(&format!("{SELECT} WHERE {column} = $1"))
            .bind(key)
            .fetch_optional(self.db.pool())
            .await
            .map_err(sql)?;
        row.as_ref().map(item_from).transpose()
    }

    /// Claims a pending item for `reviewer` for `lease_ms`. Renews the reviewer's own claim;
    /// takes over an abandoned one whose lease ran out; refuses a live claim of another.
    pub async fn claim(
        &self,
        id: &str,
        reviewer: &str,
        lease_ms: i64,
    ) -> Result<ReviewItem, ReviewError> {
        let now = now_ms();
        let claimed = sqlx::query(
            "UPDATE reviews SET claimed_by = $1, claim_until = $2 WHERE id = $3 AND status = 'pending' \
             AND (claimed_by IS NULL OR claimed_by = $1 OR claim_until < $4)",
        )
        .bind(reviewer)
        .bind(now + lease_ms)
        .bind(id)
        .bind(now)
        .execute(self.db.pool())
        .await
        .map_err(sql)?;
        let item = self.get(id).await?.ok_or(ReviewError::NotFound)?;
        if claimed.rows_affected() == 1 {
            return Ok(item);
        }
        Err(match item.status {
            ReviewStatus::Pending => ReviewError::ClaimedByOther,
            _ => ReviewError::AlreadyDecided,
        })
    }

    /// Records `reviewer`'s decision and changes what the candidate reads, in one transaction.
    /// Returns the item as decided and the message as the candidate now sees it.
    pub async fn decide(
        &self,
        id: &str,
        reviewer: &str,
        decision: Decision,
    ) -> Result<(ReviewItem, Message), ReviewError> {
        let (status, final_text, note) = match decision {
            Decision::Approve => (ReviewStatus::Approved, None, None),
            Decision::Edit(text) => {
                let text = text.trim().to_owned();
                if text.is_empty() {
                    return Err(ReviewError::Invalid(
                        "Write the answer the candidate should read.".into(),
                    ));
                }
                if text.chars().count() > MAX_EDIT_CHARS {
                    return Err(ReviewError::Invalid(format!(
                        "Keep the answer under {MAX_EDIT_CHARS} characters."
                    )));
                }
                (ReviewStatus::Edited, Some(text), None)
            }
            Decision::Reject(reason) => {
                let reason = reason.trim().to_owned();
                if reason.is_empty() || reason.chars().count() > 1000 {
                    return Err(ReviewError::Invalid(
                        "Give a reason for rejecting (at most 1000 characters).".into(),
                    ));
                }
                // The fallback depends on what was held (an answer, or a note on a report).
                (ReviewStatus::Rejected, None, Some(reason))
            }
        };
        let now = now_ms();
        let mut tx = self.db.begin_write().await?;
        let before = sqlx::query(&format!("{SELECT} WHERE r.id = $1"))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(sql)?
            .as_ref()
            .map(item_from)
            .transpose()?
            .ok_or(ReviewError::NotFound)?;
        // An edit that leaves the answer as written is an approval (the metrics count it as
        // the check's false alarm, not as a catch).
        let (status, final_text) = match final_text {
            Some(text) if status == ReviewStatus::Edited && text == before.held_text.trim() => {
                (ReviewStatus::Approved, before.held_text.clone())
            }
            Some(text) => (status, text),
            None if status == ReviewStatus::Rejected => {
                (status, fallback_for(&before.reasons).to_owned())
            }
            None => (status, before.held_text.clone()),
        };
        let edit_diff = (status == ReviewStatus::Edited)
            .then(|| textdiff::words(&before.held_text, &final_text));
        let diff_json = edit_diff
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| DbError::Corrupt(e.to_string()))?;
        let decided = sqlx::query(
            "UPDATE reviews SET status = $1, decided_by = $2, decided_at = $3, final_text = $4, note = $5, diff_json = $6 \
             WHERE id = $7 AND status = 'pending' AND claimed_by = $2 AND claim_until >= $3",
        )
        .bind(status.as_str())
        .bind(reviewer)
        .bind(now)
        .bind(&final_text)
        .bind(&note)
        .bind(&diff_json)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(sql)?;
        if decided.rows_affected() != 1 {
            return Err(if before.status != ReviewStatus::Pending {
                ReviewError::AlreadyDecided
            } else if before.claimed_by(reviewer, now) {
                ReviewError::NotClaimed
            } else if before.claimed_by.is_some() && before.claim_until.is_some_and(|t| t >= now) {
                ReviewError::ClaimedByOther
            } else {
                ReviewError::NotClaimed
            });
        }
        let message = release_in(&mut tx, &before.message_id, &final_text, status).await?;
        tx.commit().await.map_err(sql)?;
        let item = ReviewItem {
            status,
            decided_by: Some(reviewer.to_owned()),
            decided_at: Some(now),
            final_text: Some(final_text),
            note,
            edit_diff,
            ..before
        };
        Ok((item, message))
    }

    /// Gives the fallback to the candidates whose items passed their deadline undecided, and
    /// marks those items expired. Returns them with the message as the candidate now sees it.
    pub async fn expire_due(&self) -> Result<Vec<(ReviewItem, Message)>, DbError> {
        let now = now_ms();
        let due = sqlx::query(&format!(
            "{SELECT} WHERE r.status = 'pending' AND r.deadline_at IS NOT NULL AND r.deadline_at < $1"
        ))
        .bind(now)
        .fetch_all(self.db.pool())
        .await
        .map_err(sql)?;
        let mut out = Vec::new();
        for row in &due {
            let item = item_from(row)?;
            let fallback = fallback_for(&item.reasons);
            let mut tx = self.db.begin_write().await?;
            let expired = sqlx::query(
                "UPDATE reviews SET status = 'expired', final_text = $1, decided_at = $2 WHERE id = $3 AND status = 'pending'",
            )
            .bind(fallback)
            .bind(now)
            .bind(&item.id)
            .execute(&mut *tx)
            .await
            .map_err(sql)?;
            if expired.rows_affected() != 1 {
                continue; // decided meanwhile
            }
            let message =
                release_in(&mut tx, &item.message_id, fallback, ReviewStatus::Expired).await?;
            tx.commit().await.map_err(sql)?;
            out.push((
                ReviewItem {
                    status: ReviewStatus::Expired,
                    final_text: Some(fallback.to_owned()),
                    decided_at: Some(now),
                    ..item
                },
                message,
            ));
        }
        Ok(out)
    }
}

/// Makes a held message readable with `text`. A rejected or expired answer loses its
/// citations: the fallback quotes nothing.
async fn release_in(
    conn: &mut AnyConnection,
    message_id: &str,
    text: &str,
    status: ReviewStatus,
) -> Result<Message, DbError> {
    let keep_citations = matches!(status, ReviewStatus::Approved | ReviewStatus::Edited);
    let sql_text = if keep_citations {
        "UPDATE interview_messages SET content = $1, held = 0 WHERE id = $2"
    } else {
        "UPDATE interview_messages SET content = $1, held = 0, citations_json = '[]' WHERE id = $2"
    };
    sqlx::query(sql_text)
        .bind(text)
        .bind(message_id)
        .execute(&mut *conn)
        .await
        .map_err(sql)?;
    let row = sqlx::query(&format!(
        "SELECT {MESSAGE_COLUMNS} FROM interview_messages WHERE id = $1"
    ))
    .bind(message_id)
    .fetch_one(&mut *conn)
    .await
    .map_err(sql)?;
    message_from_row(&row)
}
