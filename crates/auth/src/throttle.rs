use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

/// Sign-in attempt limits, per account and per client IP, over a sliding window (GCRA).
///
/// Both keys are charged on every attempt, successful or not: the aim is to cap guessing, and
/// a person signing in normally never comes near the limits. State is in memory: a restart
/// forgets it, which at worst grants one extra window of attempts.
#[derive(Debug)]
pub struct LoginThrottle {
    per_account: DefaultKeyedRateLimiter<String>,
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
}

/// Attempts are exhausted; retry after this long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    pub retry_after: Duration,
}

fn quota(attempts: u32, window: Duration) -> Quota {
    let attempts = NonZeroU32::new(attempts.max(1)).unwrap_or(NonZeroU32::MIN);
    let period = window / attempts.get();
    Quota::with_period(period.max(Duration::from_millis(1)))
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(attempts)
}

impl LoginThrottle {
    pub fn new(per_account: u32, per_ip: u32, window: Duration) -> Self {
        LoginThrottle {
            per_account: RateLimiter::keyed(quota(per_account, window)),
            per_ip: RateLimiter::keyed(quota(per_ip, window)),
        }
    }

    /// Charges one attempt to both keys, or says how long to wait.
    pub fn check(&self, email: &str, ip: Option<IpAddr>) -> Result<(), Throttled> {
        let now = DefaultClock::default().now();
        if let Some(ip) = ip {
            if let Err(not_until) = self.per_ip.check_key(&ip) {
                return Err(Throttled {
                    retry_after: not_until.wait_time_from(now),
                });
            }
        }
        self.per_account
            .check_key(&email.to_owned())
            .map_err(|not_until| Throttled {
                retry_after: not_until.wait_time_from(now),
            })
    }

    /// Drops keys whose limits have fully recovered, so memory stays bounded under a spray of
    /// distinct emails or addresses. Call periodically.
    pub fn forget_idle(&self) {
        self.per_account.retain_recent();
        self.per_ip.retain_recent();
        self.per_account.shrink_to_fit();
        self.per_ip.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_limit_applies_per_account() {
        let t = LoginThrottle::new(3, 100, Duration::from_secs(900));
        let ip = Some(IpAddr::from([127, 0, 0, 1]));
        for _ in 0..3 {
            assert!(t.check("a@x.io", ip).is_ok());
        }
        let err = t
            .check("a@x.io", ip)
            .expect_err("fourth attempt must be throttled");
        assert!(err.retry_after > Duration::from_secs(60));
        assert!(
            t.check("b@x.io", ip).is_ok(),
            "another account is unaffected"
        );
    }

    #[test]
    fn ip_limit_spans_accounts() {
        let t = LoginThrottle::new(100, 2, Duration::from_secs(900));
        let ip = Some(IpAddr::from([10, 0, 0, 1]));
        assert!(t.check("a@x.io", ip).is_ok());
        assert!(t.check("b@x.io", ip).is_ok());
        assert!(t.check("c@x.io", ip).is_err());
        assert!(t.check("c@x.io", Some(IpAddr::from([10, 0, 0, 2]))).is_ok());
    }
}
