//! How long a signed-in session may last besides its idle timeout (`REHEARSE_SESSIONS__*`).

use serde::Deserialize;

/// Absolute session lifetimes, counted from sign-in however active the session is (ASVS 5.0
/// 7.3.2). Staff sessions (reviewers, admins) reach every candidate's data, so theirs is
/// shorter. The idle timeout is `session_idle_hours`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionSettings {
    /// A candidate's session ends this many seconds after sign-in.
    #[serde(default = "default_absolute_secs")]
    pub absolute_secs: u64,
    /// A reviewer's or admin's session ends this many seconds after sign-in.
    #[serde(default = "default_staff_absolute_secs")]
    pub staff_absolute_secs: u64,
}

fn default_absolute_secs() -> u64 {
    7 * 24 * 3600
}

fn default_staff_absolute_secs() -> u64 {
    12 * 3600
}

impl Default for SessionSettings {
    fn default() -> Self {
        SessionSettings {
            absolute_secs: default_absolute_secs(),
            staff_absolute_secs: default_staff_absolute_secs(),
        }
    }
}

impl SessionSettings {
    pub(crate) fn validate(&self) -> Result<(), (&'static str, String)> {
        if self.absolute_secs == 0 {
            return Err(("absolute_secs", "must be at least 1 second".into()));
        }
        if self.staff_absolute_secs == 0 {
            return Err(("staff_absolute_secs", "must be at least 1 second".into()));
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
    fn session_and_sign_up_limits_are_read_and_checked() {
        Jail::expect_with(|jail| {
            let s = from_env().map_err(|e| e.to_string())?;
            assert_eq!(s.sessions.absolute_secs, 7 * 24 * 3600);
            assert_eq!(s.sessions.staff_absolute_secs, 12 * 3600);
            assert_eq!(s.signup.attempts_per_ip, 20);
            jail.set_env("REHEARSE_SESSIONS__STAFF_ABSOLUTE_SECS", "3600");
            jail.set_env("REHEARSE_SIGNUP__ATTEMPTS_PER_IP", "5");
            let s = from_env().map_err(|e| e.to_string())?;
            assert_eq!(s.sessions.staff_absolute_secs, 3600);
            assert_eq!(s.signup.attempts_per_ip, 5);
            jail.set_env("REHEARSE_SESSIONS__ABSOLUTE_SECS", "0");
            let err = from_env().expect_err("zero").to_string();
            assert!(err.contains("REHEARSE_SESSIONS__ABSOLUTE_SECS"), "{err}");
            jail.set_env("REHEARSE_SESSIONS__ABSOLUTE_SECS", "60");
            jail.set_env("REHEARSE_SIGNUP__MAX_CONCURRENT", "0");
            let err = from_env().expect_err("zero").to_string();
            assert!(err.contains("REHEARSE_SIGNUP__MAX_CONCURRENT"), "{err}");
            Ok(())
        });
    }
}
