//! How long personal data is kept (`REHEARSE_RETENTION__*`).
//!
//! Model-call traces keep the full prompt, which carries candidates' answers: they are deleted
//! once older than `trace_days` by the server's background worker.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionSettings {
    /// Traces (prompts, outputs and their metadata) older than this many days are deleted.
    #[serde(default = "default_trace_days")]
    pub trace_days: u32,
}

fn default_trace_days() -> u32 {
    90
}

impl Default for RetentionSettings {
    fn default() -> Self {
        RetentionSettings {
            trace_days: default_trace_days(),
        }
    }
}

impl RetentionSettings {
    pub(crate) fn validate(&self) -> Result<(), (&'static str, String)> {
        if !(1..=3650).contains(&self.trace_days) {
            return Err(("trace_days", "must be between 1 and 3650 days".into()));
        }
        Ok(())
    }
}
