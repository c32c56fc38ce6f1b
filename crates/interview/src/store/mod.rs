//! Interviews and their messages in the relational store.
//!
//! [`InterviewStore`] is the one handle; its methods are split by responsibility:
//!
//! - `interviews`: creating and reading interviews, moving their phase and status, the rolling
//!   summary and the report ([`Interview`], [`Status`]);
//! - `messages`: storing and reading messages, appends idempotent by key ([`Message`],
//!   [`Author`], [`Grounded`], [`Submitted`]);
//! - `turns`: the candidate's message stored with the job that plays the interviewer's turn
//!   ([`Offered`], [`TurnJob`], [`TURN_JOB`]);
//! - `usage`: the counts behind the usage quotas.

use rehearse_db::{Db, DbError};
use sqlx::any::AnyRow;

mod interviews;
mod messages;
mod turns;
mod usage;

pub use interviews::{Interview, Status};
pub(crate) use messages::{message_from_row, MESSAGE_COLUMNS};
pub use messages::{Author, Grounded, Message, Submitted};
pub use turns::{turn_dedup_key, Offered, TurnJob, TURN_JOB};

fn sql(e: sqlx::Error) -> DbError {
    DbError::from(e)
}

fn json_err(e: serde_json::Error) -> DbError {
    DbError::Corrupt(e.to_string())
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

    /// The row `query` finds with `$1` bound to `key`, if any: the store's lookups of one
    /// interview or message by its id, whatever columns they read.
    async fn row_by(&self, query: &str, key: &str) -> Result<Option<AnyRow>, DbError> {
        sqlx::query(query)
            .bind(key)
            .fetch_optional(self.db.pool())
            .await
            .map_err(sql)
    }
}
