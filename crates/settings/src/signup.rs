//! Admission to sign-up (`REHEARSE_SIGNUP__*`): how many sign-ups one client IP may attempt,
//! and how many may hash a password at once.

use serde::Deserialize;

/// Every sign-up attempt costs an argon2id hash (19 MiB and tens of milliseconds of CPU), so
/// sign-up is throttled per client IP (IPv6 by /64) and the number hashing at once is bounded.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignUpSettings {
    /// Sign-up attempts one client IP may make per window (valid or not). Over it: 429 with
    /// `Retry-After`.
    #[serde(default = "default_attempts_per_ip")]
    pub attempts_per_ip: u32,
    /// Length of the sign-up throttle window.
    #[serde(default = "default_window_secs")]
    pub window_secs: u64,
    /// Sign-ups that may run (and hash) at once; more wait in line.
    #[serde(default = "default_max_concurrent")]
    pub max_concurrent: u32,
    /// How long a sign-up waits in line for its turn before it is answered 503 with
    /// `Retry-After`.
    #[serde(default = "default_queue_wait_ms")]
    pub queue_wait_ms: u64,
}

fn default_attempts_per_ip() -> u32 {
    20
}

fn default_window_secs() -> u64 {
    3600
}

fn default_max_concurrent() -> u32 {
    4
}

fn default_queue_wait_ms() -> u64 {
    5000
}

impl Default for SignUpSettings {
    fn default() -> Self {
        SignUpSettings {
            attempts_per_ip: default_attempts_per_ip(),
            window_secs: default_window_secs(),
            max_concurrent: default_max_concurrent(),
            queue_wait_ms: default_queue_wait_ms(),
        }
    }
}

impl SignUpSettings {
    pub(crate) fn validate(&self) -> Result<(), (&'static str, String)> {
        if self.attempts_per_ip == 0 {
            return Err(("attempts_per_ip", "must be at least 1".into()));
        }
        if self.window_secs == 0 {
            return Err(("window_secs", "must be at least 1 second".into()));
        }
        if self.max_concurrent == 0 {
            return Err(("max_concurrent", "must be at least 1".into()));
        }
        Ok(())
    }
}
