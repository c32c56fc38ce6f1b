//! The guard that keeps a call's records honest when its caller gives up early. Between the
//! budget reservation and the first token the call exists only as a future; if that future is
//! dropped, nothing else would end its trace or release its reservation. Kept apart from the
//! gateway's main flow because it is the one piece that runs from `Drop`, outside any `await`.

use super::Gateway;
use crate::trace::CallStatus;
use std::time::Instant;

/// A call whose reply has not opened yet. Dropped armed (the caller stopped waiting), it
/// completes the call's records in the background: the trace `cancelled`, the reservation
/// settled at nothing (no reply was received, so none is charged).
pub(super) struct Unopened {
    pub(super) gateway: Option<Gateway>,
    pub(super) call_id: String,
    pub(super) clock: Instant,
}

impl Unopened {
    pub(super) fn disarm(&mut self) {
        self.gateway = None;
    }
}

impl Drop for Unopened {
    fn drop(&mut self) {
        let Some(gateway) = self.gateway.take() else {
            return;
        };
        let call_id = std::mem::take(&mut self.call_id);
        let clock = self.clock;
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    gateway
                        .fail_before_stream(
                            &call_id,
                            CallStatus::Cancelled,
                            "stopped before the first token",
                            clock,
                            &[],
                        )
                        .await;
                });
            }
            Err(_) => tracing::warn!(
                call_id,
                "a call dropped outside the runtime stays running in its trace"
            ),
        }
    }
}
