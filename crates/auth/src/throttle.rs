use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

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

/// The key a client IP is throttled under: the address itself for IPv4, its /64 network for
/// IPv6 (one subscriber usually holds a whole /64, so keying by single addresses would hand an
/// attacker 2^64 fresh buckets).
pub fn ip_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(bits.into())
        }
    }
}

/// `attempts` per `window` for each key, over a sliding window (GCRA): a burst of `attempts`,
/// then one more every `window / attempts`. State is in memory: a restart forgets it, which at
/// worst grants one extra window of attempts.
#[derive(Debug)]
pub struct KeyedLimit<K: Hash + Eq + Clone> {
    limiter: DefaultKeyedRateLimiter<K>,
}

impl<K: Hash + Eq + Clone> KeyedLimit<K> {
    pub fn new(attempts: u32, window: Duration) -> Self {
        KeyedLimit {
            limiter: RateLimiter::keyed(quota(attempts, window)),
        }
    }

    /// Charges one attempt to `key`, or says how long to wait.
    pub fn check(&self, key: &K) -> Result<(), Throttled> {
        let now = DefaultClock::default().now();
        self.limiter.check_key(key).map_err(|not_until| Throttled {
            retry_after: not_until.wait_time_from(now),
        })
    }

    /// Drops keys whose limits have fully recovered, so memory stays bounded under a spray of
    /// distinct keys. Call periodically.
    pub fn forget_idle(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }
}

/// Sign-in attempt limits, per account and per client IP.
///
/// Both keys are charged on every attempt, successful or not: the aim is to cap guessing, and
/// a person signing in normally never comes near the limits.
#[derive(Debug)]
pub struct LoginThrottle {
    per_account: KeyedLimit<String>,
    per_ip: KeyedLimit<IpAddr>,
}

impl LoginThrottle {
    pub fn new(per_account: u32, per_ip: u32, window: Duration) -> Self {
        LoginThrottle {
            per_account: KeyedLimit::new(per_account, window),
            per_ip: KeyedLimit::new(per_ip, window),
        }
    }

    /// Charges one attempt to both keys, or says how long to wait.
    pub fn check(&self, email: &str, ip: Option<IpAddr>) -> Result<(), Throttled> {
        if let Some(ip) = ip {
            self.per_ip.check(&ip_key(ip))?;
        }
        self.per_account.check(&email.to_owned())
    }

    /// Drops keys whose limits have fully recovered. Call periodically.
    pub fn forget_idle(&self) {
        self.per_account.forget_idle();
        self.per_ip.forget_idle();
    }
}

/// Sign-up attempt limit per client IP. Every attempt is charged, valid or not: each one may
/// cost an argon2 hash, and creating accounts in bulk is what it is there to stop.
#[derive(Debug)]
pub struct SignUpThrottle {
    per_ip: KeyedLimit<IpAddr>,
}

impl SignUpThrottle {
    pub fn new(per_ip: u32, window: Duration) -> Self {
        SignUpThrottle {
            per_ip: KeyedLimit::new(per_ip, window),
        }
    }

    /// Charges one attempt to the client's address (unknown addresses are not limited here:
    /// the server always knows its TCP peer, so that only happens outside HTTP).
    pub fn check(&self, ip: Option<IpAddr>) -> Result<(), Throttled> {
        match ip {
            Some(ip) => self.per_ip.check(&ip_key(ip)),
            None => Ok(()),
        }
    }

    /// Drops addresses whose limits have fully recovered. Call periodically.
    pub fn forget_idle(&self) {
        self.per_ip.forget_idle();
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

    #[test]
    fn sign_ups_are_limited_per_address() {
        let t = SignUpThrottle::new(2, Duration::from_secs(3600));
        let ip = Some(IpAddr::from([192, 0, 2, 7]));
        assert!(t.check(ip).is_ok());
        assert!(t.check(ip).is_ok());
        let err = t.check(ip).expect_err("third sign-up must be throttled");
        assert!(err.retry_after > Duration::from_secs(60 * 10));
        assert!(t.check(Some(IpAddr::from([192, 0, 2, 8]))).is_ok());
    }

    #[test]
    fn ipv6_addresses_share_their_64() {
        let t = SignUpThrottle::new(1, Duration::from_secs(3600));
        let a: IpAddr = "2001:db8:1:2::1".parse().expect("ip");
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().expect("ip");
        let other: IpAddr = "2001:db8:1:3::1".parse().expect("ip");
        assert!(t.check(Some(a)).is_ok());
        assert!(t.check(Some(b)).is_err(), "same /64, same bucket");
        assert!(
            t.check(Some(other)).is_ok(),
            "another /64 is another client"
        );
        assert_eq!(
            ip_key("10.1.2.3".parse().expect("ip")),
            "10.1.2.3".parse::<IpAddr>().expect("ip")
        );
    }
}
