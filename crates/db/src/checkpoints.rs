//! SQLite's write-ahead log, copied back into the database file off the commit path.
//!
//! In WAL mode SQLite copies the log into the database file (a *checkpoint*) inside whichever
//! commit takes the log past 1,000 pages, and that commit waits for the copy and its fsyncs:
//! a few megabytes, 5 to 20 ms on this project's VM disk. Every call opening behind that commit
//! waits as well, which was most of the stream bench's p99 with a crowd of calls arriving
//! (`rehearse-bench stream-bench`, the steady rows). With [`Checkpoints::Background`] the
//! commits never do it: a task of the pool's own runs a `PASSIVE` checkpoint every
//! [`EVERY`], which blocks neither readers nor writers, and SQLite's own automatic checkpoint
//! stays on at [`SAFETY_NET_PAGES`] so the log stays bounded if the task falls behind (a
//! passive checkpoint under a steady stream of writes can copy everything yet never find the
//! quiet moment in which the log restarts from its beginning).

use sqlx::AnyPool;
use std::sync::{Arc, Weak};
use std::time::Duration;

/// Who copies the write-ahead log back into the database file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Checkpoints {
    /// A task of the pool's own, every [`EVERY`]; commits do not wait for it.
    #[default]
    Background,
    /// SQLite's default: the commit that takes the log past 1,000 pages (the bench's reference).
    Inline,
}

/// How often the background task checkpoints: often enough that each copy is small.
pub const EVERY: Duration = Duration::from_millis(100);

/// SQLite's own automatic checkpoint in background mode, in pages (4 KiB each): far above what
/// the task leaves behind, so it only runs when the log has not restarted for a long while.
pub const SAFETY_NET_PAGES: u32 = 10_000;

impl Checkpoints {
    /// The mode's name, as the bench prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            Checkpoints::Background => "background",
            Checkpoints::Inline => "inline",
        }
    }

    /// The log's size, in pages, at which a commit checkpoints it in this mode.
    pub(crate) fn autocheckpoint_pages(self) -> u32 {
        match self {
            Checkpoints::Background => SAFETY_NET_PAGES,
            Checkpoints::Inline => 1_000,
        }
    }

    /// The `PRAGMA` each connection runs for this mode.
    pub(crate) fn pragma(self) -> String {
        format!(
            "PRAGMA wal_autocheckpoint = {};",
            self.autocheckpoint_pages()
        )
    }
}

/// Kept by every clone of a [`crate::Db`]; when the last one is dropped, the task ends with it.
pub(crate) type Alive = Arc<()>;

/// Starts the background checkpoints of `pool`, for as long as `alive` has an owner and the
/// pool is open. Must be called inside a tokio runtime.
pub(crate) fn start(pool: AnyPool) -> Alive {
    let alive = Arc::new(());
    let watch: Weak<()> = Arc::downgrade(&alive);
    tokio::spawn(async move {
        let mut every = tokio::time::interval(EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if watch.strong_count() == 0 || pool.is_closed() {
                break;
            }
            if let Err(e) = checkpoint(&pool).await {
                // Busy (another checkpoint running) or the pool closing: the next tick tries again.
                tracing::debug!(error = %e, "background WAL checkpoint did not run");
            }
        }
    });
    alive
}

/// One passive checkpoint: copies what it can without waiting for any reader or writer.
pub async fn checkpoint(pool: &AnyPool) -> Result<(), sqlx::Error> {
    sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
        .fetch_all(pool)
        .await
        .map(|_| ())
}
