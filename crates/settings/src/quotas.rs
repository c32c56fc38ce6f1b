//! How much one candidate may use (`REHEARSE_QUOTAS__*`): interviews started per UTC day and
//! messages per interview. Unlike the rate limits (`REHEARSE_LIMITS__*`, how fast), these count
//! what is stored, so they hold across restarts and processes.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuotaSettings {
    /// Interviews one user may start per day (UTC); the next start is refused with 429 and a
    /// `Retry-After` until midnight UTC.
    #[serde(default = "defaults::interviews_per_day")]
    pub interviews_per_day: u32,
    /// Messages a candidate may send in one interview; one more is refused with 403 and
    /// nothing is stored.
    #[serde(default = "defaults::messages_per_interview")]
    pub messages_per_interview: u32,
}

impl Default for QuotaSettings {
    fn default() -> Self {
        QuotaSettings {
            interviews_per_day: defaults::interviews_per_day(),
            messages_per_interview: defaults::messages_per_interview(),
        }
    }
}

mod defaults {
    pub fn interviews_per_day() -> u32 {
        20
    }
    pub fn messages_per_interview() -> u32 {
        200
    }
}

impl QuotaSettings {
    pub(crate) fn validate(&self) -> Result<(), (&'static str, String)> {
        if self.interviews_per_day == 0 {
            return Err(("interviews_per_day", "must be at least 1".into()));
        }
        if self.messages_per_interview == 0 {
            return Err(("messages_per_interview", "must be at least 1".into()));
        }
        Ok(())
    }
}
