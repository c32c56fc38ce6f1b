//! Two lanes for embedding work, so it is bounded and a candidate's question never waits behind
//! an ingestion batch. The local embedding model (MiniLM on candle) takes the whole CPU for a
//! batch, and a job description's ingestion sends batch after batch; with one queue, a question
//! about the role would wait for every batch ahead of it, and with no queue at all any number of
//! forward passes could run at once and starve the web server. So each lane has its own slots:
//! interactive work (a question about a role, the report's scoring) waits only for other
//! interactive work, and background work (ingestion) runs one batch at a time beside it.

use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::{Semaphore, SemaphorePermit};

/// Which lane an embedding call waits in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Lane {
    /// Someone is waiting for the answer: a candidate's question, the report's scoring.
    #[default]
    Interactive,
    /// Nobody is waiting on this call alone: ingestion's batches.
    Background,
}

/// Embedding calls that may run at once in the interactive lane: one per core of the
/// two-core machine the product is sized for.
pub const INTERACTIVE_SLOTS: usize = 2;
/// Embedding calls that may run at once in the background lane: one batch at a time, so
/// ingestion never holds more than one core's worth of forward passes.
pub const BACKGROUND_SLOTS: usize = 1;

/// The slots of both lanes and how many calls wait in each. Shared by clones of
/// [`super::Embeddings`].
pub(super) struct Lanes {
    interactive: Semaphore,
    background: Semaphore,
    waiting: [AtomicUsize; 2],
}

impl Default for Lanes {
    fn default() -> Self {
        Lanes {
            interactive: Semaphore::new(INTERACTIVE_SLOTS),
            background: Semaphore::new(BACKGROUND_SLOTS),
            waiting: [AtomicUsize::new(0), AtomicUsize::new(0)],
        }
    }
}

impl Lanes {
    fn semaphore(&self, lane: Lane) -> &Semaphore {
        match lane {
            Lane::Interactive => &self.interactive,
            Lane::Background => &self.background,
        }
    }

    fn waiting_count(&self, lane: Lane) -> &AtomicUsize {
        &self.waiting[lane as usize]
    }

    /// Waits for a slot in `lane`; the call runs while the permit lives.
    pub(super) async fn slot(&self, lane: Lane) -> SemaphorePermit<'_> {
        let waiting = self.waiting_count(lane);
        waiting.fetch_add(1, Ordering::SeqCst);
        // Counted down even if the caller stops waiting (its task is dropped mid-wait).
        let _counted = CountDown(waiting);
        self.semaphore(lane)
            .acquire()
            .await
            .expect("the lanes' semaphores are never closed")
    }

    /// Calls waiting for a slot in `lane` now.
    pub(super) fn waiting(&self, lane: Lane) -> usize {
        self.waiting_count(lane).load(Ordering::SeqCst)
    }

    /// Calls running in `lane` now.
    pub(super) fn running(&self, lane: Lane) -> usize {
        let slots = match lane {
            Lane::Interactive => INTERACTIVE_SLOTS,
            Lane::Background => BACKGROUND_SLOTS,
        };
        slots - self.semaphore(lane).available_permits()
    }
}

/// Decrements a waiting count when dropped.
struct CountDown<'a>(&'a AtomicUsize);

impl Drop for CountDown<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn each_lane_has_its_own_slots() {
        let lanes = Lanes::default();
        let _ingesting = lanes.slot(Lane::Background).await;
        assert_eq!(lanes.running(Lane::Background), 1);
        assert_eq!(lanes.semaphore(Lane::Background).available_permits(), 0);
        // The background lane is full; the interactive lane is not affected.
        let _first = lanes.slot(Lane::Interactive).await;
        let _second = lanes.slot(Lane::Interactive).await;
        assert_eq!(lanes.running(Lane::Interactive), 2);
        assert_eq!(lanes.waiting(Lane::Interactive), 0);
    }
}
