//! Two lanes for embedding work, so it is bounded and a candidate's question never waits behind
//! an ingestion batch. The local embedding model (MiniLM on candle) takes the whole CPU for a
//! batch, and a job description's ingestion sends batch after batch; with one queue, a question
//! about the role would wait for every batch ahead of it, and with no queue at all any number of
//! forward passes could run at once and starve the web server. So each lane has its own slots
//! (an [`Admission`] each, with no bound on its line or wait: an embedding has no cheaper
//! fallback, so it waits its turn): interactive work (a question about a role, the report's
//! scoring) waits only for other interactive work, and background work (ingestion) runs one
//! batch at a time beside it.

use crate::admission::{Admission, AdmissionConfig, Busy};
use std::time::Duration;
use tokio::sync::OwnedSemaphorePermit;

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

/// The slots of both lanes. Shared by clones of [`super::Embeddings`].
pub(super) struct Lanes {
    interactive: Admission,
    background: Admission,
}

/// A lane of `slots`, its line and wait unbounded.
fn lane_of(slots: usize) -> Admission {
    Admission::new(AdmissionConfig {
        slots,
        line: usize::MAX,
        wait: Duration::MAX,
    })
}

impl Default for Lanes {
    fn default() -> Self {
        Lanes {
            interactive: lane_of(INTERACTIVE_SLOTS),
            background: lane_of(BACKGROUND_SLOTS),
        }
    }
}

impl Lanes {
    fn lane(&self, lane: Lane) -> &Admission {
        match lane {
            Lane::Interactive => &self.interactive,
            Lane::Background => &self.background,
        }
    }

    /// Waits for a slot in `lane`; the call runs while the permit lives.
    pub(super) async fn slot(&self, lane: Lane) -> Result<OwnedSemaphorePermit, Busy> {
        self.lane(lane).admit().await
    }

    /// Calls waiting for a slot in `lane` now.
    pub(super) fn waiting(&self, lane: Lane) -> usize {
        self.lane(lane).waiting()
    }

    /// Calls running in `lane` now.
    pub(super) fn running(&self, lane: Lane) -> usize {
        self.lane(lane).running()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn each_lane_has_its_own_slots() {
        let lanes = Lanes::default();
        let _ingesting = lanes.slot(Lane::Background).await.expect("a slot");
        assert_eq!(lanes.running(Lane::Background), BACKGROUND_SLOTS);
        // The background lane is full; the interactive lane is not affected.
        let _first = lanes.slot(Lane::Interactive).await.expect("a slot");
        let _second = lanes.slot(Lane::Interactive).await.expect("a slot");
        assert_eq!(lanes.running(Lane::Interactive), INTERACTIVE_SLOTS);
        assert_eq!(lanes.waiting(Lane::Interactive), 0);
    }
}
