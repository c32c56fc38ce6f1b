//! Admission limits on what a person can ask of the server (`REHEARSE_LIMITS__*`): how fast
//! they may send messages and start interviews, and how many live streams they may hold open
//! and for how long.
//!
//! The rates are GCRA quotas: `*_per_minute` is the sustained rate and `*_burst` how many may
//! come at once after a quiet spell. Each is enforced per user and, more loosely, per client IP
//! (one office or one NAT may hold many candidates). The defaults sit well above what a person
//! typing answers can reach: an interviewer's turn must complete before the next message is
//! accepted anyway.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsSettings {
    /// The send and start rate limits. `false` turns them off (tests, `load-turns`, benchmarks,
    /// where one process plays hundreds of candidates from one address); the stream cap and
    /// the stream lifetime apply either way.
    #[serde(default = "defaults::enabled")]
    pub enabled: bool,
    /// Messages one user may send per minute, sustained.
    #[serde(default = "defaults::send_per_minute")]
    pub send_per_minute: u32,
    /// Messages one user may send at once.
    #[serde(default = "defaults::send_burst")]
    pub send_burst: u32,
    /// Messages one client IP may send per minute, sustained.
    #[serde(default = "defaults::send_per_minute_per_ip")]
    pub send_per_minute_per_ip: u32,
    /// Messages one client IP may send at once.
    #[serde(default = "defaults::send_burst_per_ip")]
    pub send_burst_per_ip: u32,
    /// Interviews one user may start per minute, sustained.
    #[serde(default = "defaults::start_per_minute")]
    pub start_per_minute: u32,
    /// Interviews one user may start at once.
    #[serde(default = "defaults::start_burst")]
    pub start_burst: u32,
    /// Interviews one client IP may start per minute, sustained.
    #[serde(default = "defaults::start_per_minute_per_ip")]
    pub start_per_minute_per_ip: u32,
    /// Interviews one client IP may start at once.
    #[serde(default = "defaults::start_burst_per_ip")]
    pub start_burst_per_ip: u32,
    /// Live event streams (`/interviews/{id}/events`) one user may hold open at once; one
    /// more is refused with 429.
    #[serde(default = "defaults::streams_per_user")]
    pub streams_per_user: u32,
    /// A live event stream ends after this many seconds; the browser reconnects by itself and
    /// resumes from the last event it saw.
    #[serde(default = "defaults::stream_max_secs")]
    pub stream_max_secs: u64,
    /// Starts and sends worked on at once, over all users; the rest wait their turn in a line
    /// that costs no CPU. A burst of a hundred at once on two cores otherwise shares the cores a
    /// hundred ways, and a page loaded meanwhile waits behind all of them.
    #[serde(default = "defaults::writes_at_once")]
    pub writes_at_once: u32,
    /// How long a start or send waits in that line before it is answered 503 (busy, with
    /// `Retry-After`); 0 refuses at once when the line is full.
    #[serde(default = "defaults::write_wait_ms")]
    pub write_wait_ms: u64,
}

impl Default for LimitsSettings {
    fn default() -> Self {
        LimitsSettings {
            enabled: defaults::enabled(),
            send_per_minute: defaults::send_per_minute(),
            send_burst: defaults::send_burst(),
            send_per_minute_per_ip: defaults::send_per_minute_per_ip(),
            send_burst_per_ip: defaults::send_burst_per_ip(),
            start_per_minute: defaults::start_per_minute(),
            start_burst: defaults::start_burst(),
            start_per_minute_per_ip: defaults::start_per_minute_per_ip(),
            start_burst_per_ip: defaults::start_burst_per_ip(),
            streams_per_user: defaults::streams_per_user(),
            stream_max_secs: defaults::stream_max_secs(),
            writes_at_once: defaults::writes_at_once(),
            write_wait_ms: defaults::write_wait_ms(),
        }
    }
}

mod defaults {
    pub fn enabled() -> bool {
        true
    }
    pub fn send_per_minute() -> u32 {
        12
    }
    pub fn send_burst() -> u32 {
        6
    }
    pub fn send_per_minute_per_ip() -> u32 {
        120
    }
    pub fn send_burst_per_ip() -> u32 {
        30
    }
    pub fn start_per_minute() -> u32 {
        4
    }
    pub fn start_burst() -> u32 {
        3
    }
    pub fn start_per_minute_per_ip() -> u32 {
        30
    }
    pub fn start_burst_per_ip() -> u32 {
        10
    }
    pub fn streams_per_user() -> u32 {
        4
    }
    pub fn stream_max_secs() -> u64 {
        30 * 60
    }
    /// Two per core on the 2-core machine the figures come from (README, "load-turns").
    pub fn writes_at_once() -> u32 {
        4
    }
    pub fn write_wait_ms() -> u64 {
        10_000
    }
}

impl LimitsSettings {
    pub(crate) fn validate(&self) -> Result<(), (&'static str, String)> {
        for (key, value) in [
            ("send_per_minute", self.send_per_minute),
            ("send_burst", self.send_burst),
            ("send_per_minute_per_ip", self.send_per_minute_per_ip),
            ("send_burst_per_ip", self.send_burst_per_ip),
            ("start_per_minute", self.start_per_minute),
            ("start_burst", self.start_burst),
            ("start_per_minute_per_ip", self.start_per_minute_per_ip),
            ("start_burst_per_ip", self.start_burst_per_ip),
            ("streams_per_user", self.streams_per_user),
        ] {
            if value == 0 {
                return Err((
                    key,
                    "must be at least 1 (to turn the rate limits off, set REHEARSE_LIMITS__ENABLED=false)"
                        .into(),
                ));
            }
        }
        if self.stream_max_secs == 0 {
            return Err(("stream_max_secs", "must be at least 1 second".into()));
        }
        if !(1..=10_000).contains(&self.writes_at_once) {
            return Err(("writes_at_once", "must be between 1 and 10000".into()));
        }
        if self.write_wait_ms > 600_000 {
            return Err((
                "write_wait_ms",
                "must be at most 600000 (10 minutes)".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
// figment's Jail closures must return figment::Error, which is large; that is its API, not ours.
#[allow(clippy::result_large_err)]
mod tests {
    use crate::load::from_env;
    use figment::Jail;

    #[test]
    fn limits_come_from_nested_variables_and_zero_names_the_key() {
        Jail::expect_with(|jail| {
            let s = from_env().map_err(|e| e.to_string())?;
            assert!(s.limits.enabled, "on unless turned off");
            assert_eq!(s.limits.streams_per_user, 4);
            assert_eq!(s.limits.stream_max_secs, 1800);
            assert_eq!(s.limits.writes_at_once, 4);
            assert_eq!(s.limits.write_wait_ms, 10_000);

            jail.set_env("REHEARSE_LIMITS__WRITES_AT_ONCE", "0");
            let err = from_env().expect_err("no place in the line").to_string();
            assert!(err.contains("REHEARSE_LIMITS__WRITES_AT_ONCE"), "{err}");
            jail.set_env("REHEARSE_LIMITS__WRITES_AT_ONCE", "2");
            jail.set_env("REHEARSE_LIMITS__WRITE_WAIT_MS", "0");
            let s = from_env().map_err(|e| e.to_string())?;
            assert_eq!((s.limits.writes_at_once, s.limits.write_wait_ms), (2, 0));

            jail.set_env("REHEARSE_LIMITS__ENABLED", "false");
            jail.set_env("REHEARSE_LIMITS__SEND_BURST", "2");
            let s = from_env().map_err(|e| e.to_string())?;
            assert!(!s.limits.enabled);
            assert_eq!(s.limits.send_burst, 2);
            assert_eq!(
                s.limits.send_per_minute, 12,
                "the others keep their defaults"
            );

            jail.set_env("REHEARSE_LIMITS__STREAMS_PER_USER", "0");
            let err = from_env().expect_err("zero streams").to_string();
            assert!(err.contains("REHEARSE_LIMITS__STREAMS_PER_USER"), "{err}");
            Ok(())
        });
    }
}
