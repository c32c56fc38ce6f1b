//! How the gateway is wired to admission control ([`crate::admission`]): the builder that sets
//! the limit on calls running at once and the line behind them, and the "busy?" question the
//! web layer asks before starting work. The slots themselves live in `crate::admission`; this
//! file only connects them to [`Gateway`], so the gateway's call flow reads without them.

use super::Gateway;
use crate::admission::{Admission, AdmissionConfig, AdmissionCounts};
use std::sync::Arc;

impl Gateway {
    /// Limits calls running at once and the line behind them (see [`crate::admission`]).
    /// Without it calls are not limited, as in tests of other rules.
    pub fn with_admission(mut self, config: AdmissionConfig) -> Self {
        self.admission = Arc::new(Admission::new(config));
        self
    }

    /// What the primary model's admission decided so far: calls admitted at once, after a
    /// wait (and how long), refused as busy.
    pub fn admission_counts(&self) -> AdmissionCounts {
        self.admission.counts()
    }

    /// `Some(seconds to wait)` when a call arriving now would be refused as busy.
    pub fn busy(&self) -> Option<u32> {
        self.admission
            .is_full()
            .then(|| self.admission.retry_after_secs())
    }
}
