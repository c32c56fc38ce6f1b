//! Write transactions, and the line SQLite's writers wait in.
//!
//! SQLite lets one writer at a time hold its write lock. Without a line of our own, every
//! writer that finds the lock taken sits on a pooled connection inside SQLite's busy handler,
//! which sleeps and retries (1, 2, 5 ... 100 ms steps): a burst of turns then holds every
//! connection of the pool while mostly sleeping, and a page that only reads waits for a
//! connection behind them. So on SQLite a writer first takes the one permit of an in-process
//! semaphore (fair, woken the moment the previous writer finishes, holding no connection while
//! it waits), then a connection and `BEGIN IMMEDIATE`. Readers keep the rest of the pool.
//! PostgreSQL has no such lock and no line.
//!
//! The line covers the transactions begun here; single autocommit writes still meet the lock
//! through the busy timeout, as before.

use crate::DbError;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How long a writer waits in line before giving up with [`DbError::WriteLineTimedOut`]: as
/// long as SQLite's own busy timeout, which it replaces for these transactions.
pub(crate) const WRITE_LINE_WAIT: Duration = Duration::from_secs(5);

/// The line of SQLite writers in one process (shared by every clone of a `Db`).
#[derive(Clone, Debug)]
pub(crate) struct WriteLine(Arc<Semaphore>);

impl WriteLine {
    pub(crate) fn new() -> WriteLine {
        WriteLine(Arc::new(Semaphore::new(1)))
    }

    /// Waits for this process's turn to write, at most [`WRITE_LINE_WAIT`].
    pub(crate) async fn wait(&self) -> Result<OwnedSemaphorePermit, DbError> {
        match tokio::time::timeout(WRITE_LINE_WAIT, self.0.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            // The semaphore is never closed; both cases mean the line did not move.
            Ok(Err(_)) | Err(_) => Err(DbError::WriteLineTimedOut),
        }
    }
}

/// A transaction that will write (from [`crate::Db::begin_write`]). Use it as the
/// transaction's connection (`&mut *tx`) and end it with [`WriteTx::commit`]; dropped
/// unfinished it rolls back. On SQLite it holds the process's turn to write until then.
pub struct WriteTx {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    /// Declared after `tx`, so the rollback of a dropped transaction comes first.
    _turn: Option<OwnedSemaphorePermit>,
}

impl WriteTx {
    pub(crate) fn new(
        tx: sqlx::Transaction<'static, sqlx::Any>,
        turn: Option<OwnedSemaphorePermit>,
    ) -> WriteTx {
        WriteTx { tx, _turn: turn }
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
    }
}

impl Deref for WriteTx {
    type Target = sqlx::AnyConnection;

    fn deref(&self) -> &sqlx::AnyConnection {
        &self.tx
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.tx
    }
}

#[cfg(test)]
mod tests {
    use super::WriteLine;

    #[tokio::test]
    async fn one_writer_at_a_time_and_the_next_as_soon_as_it_is_done() {
        let line = WriteLine::new();
        let first = line.wait().await.expect("the line is empty");
        let waiting = tokio::spawn({
            let line = line.clone();
            async move { line.wait().await.map(|_| ()) }
        });
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished(), "the second writer waits");
        drop(first);
        waiting
            .await
            .expect("the task ran")
            .expect("its turn came when the first was done");
    }

    #[tokio::test(start_paused = true)]
    async fn a_line_that_does_not_move_is_an_error_not_a_hang() {
        let line = WriteLine::new();
        let _held = line.wait().await.expect("the line is empty");
        let refused = line.wait().await;
        assert!(matches!(refused, Err(crate::DbError::WriteLineTimedOut)));
    }
}
