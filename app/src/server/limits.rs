//! Admission limits on what one person can ask of the server, configured by
//! `REHEARSE_LIMITS__*` (`rehearse_settings::LimitsSettings`):
//!
//! - sending a message (a model call follows) and starting an interview are rate-limited per
//!   user and, more loosely, per client IP (GCRA through governor). Over a limit the server
//!   function answers 429 with `Retry-After`, and the page says how long to wait; nothing is
//!   stored.
//! - live event streams are capped per user and end after a lifetime (see
//!   [`Limits::open_stream`] and [`Limits::stream_lifetime`]); the browser reconnects by itself.
//! - starts and sends are worked on a few at a time over all users (`writes_at_once`), the
//!   rest waiting in a line that costs no CPU (see [`take_place`]): a burst then queues instead
//!   of sharing the cores a hundred ways, and pages loaded meanwhile stay fast.
//!
//! State is in memory, like the sign-in throttle: a restart forgets it, which at worst grants
//! one fresh burst. Tests and load runs turn the rate limits off with `limits.enabled = false`.

use super::errors::retry_after;
use super::guard::Caller;
use crate::api::ApiError;
use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use rehearse_settings::LimitsSettings;
use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What is being asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    SendMessage,
    StartInterview,
}

impl Action {
    /// What the person reads when refused: no blame, and how long to wait.
    pub fn refusal(self, seconds: u32) -> String {
        match self {
            Action::SendMessage => {
                format!("You're sending messages quickly; try again in {seconds} s.")
            }
            Action::StartInterview => {
                format!("You're starting interviews quickly; try again in {seconds} s.")
            }
        }
    }
}

/// Over a limit: try again after this long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limited {
    pub retry_after: Duration,
}

impl Limited {
    /// The wait in whole seconds, rounded up and at least 1 (for `Retry-After`).
    pub fn seconds(&self) -> u32 {
        let secs = self.retry_after.as_secs() + u64::from(self.retry_after.subsec_nanos() > 0);
        u32::try_from(secs.max(1)).unwrap_or(u32::MAX)
    }
}

/// `per_minute` sustained with bursts of `burst`.
fn quota(per_minute: u32, burst: u32) -> Quota {
    let per_minute = NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    Quota::per_minute(per_minute).allow_burst(burst)
}

/// One action's limits: one state per user, one per client IP.
struct PerUserAndIp {
    per_user: DefaultKeyedRateLimiter<String>,
    per_ip: DefaultKeyedRateLimiter<IpAddr>,
}

impl PerUserAndIp {
    fn new(per_user: Quota, per_ip: Quota) -> Self {
        PerUserAndIp {
            per_user: RateLimiter::keyed(per_user),
            per_ip: RateLimiter::keyed(per_ip),
        }
    }

    /// Charges the user, then the address. A user already over their own limit is refused
    /// before the address is charged, so one person cannot spend their neighbours' share.
    fn check(&self, user: &str, ip: Option<IpAddr>) -> Result<(), Limited> {
        self.per_user
            .check_key(&user.to_owned())
            .map_err(|not_until| Limited {
                retry_after: not_until.wait_time_from(self.per_user.clock().now()),
            })?;
        if let Some(ip) = ip {
            self.per_ip
                .check_key(&rehearse_auth::throttle::ip_key(ip))
                .map_err(|not_until| Limited {
                    retry_after: not_until.wait_time_from(self.per_ip.clock().now()),
                })?;
        }
        Ok(())
    }

    /// Drops keys whose limits have fully recovered.
    fn forget_idle(&self) {
        self.per_user.retain_recent();
        self.per_ip.retain_recent();
        self.per_user.shrink_to_fit();
        self.per_ip.shrink_to_fit();
    }
}

/// Every so many checks, keys that recovered are dropped, so memory stays bounded by the
/// people active lately rather than everyone ever seen (no timer task needed).
const FORGET_EVERY: u64 = 1024;

/// The admission limits of one server, shared by every request.
pub struct Limits {
    enabled: bool,
    send: PerUserAndIp,
    start: PerUserAndIp,
    checks: AtomicU64,
    streams: Arc<Mutex<HashMap<String, u32>>>,
    streams_per_user: u32,
    stream_lifetime: Duration,
    /// The places where starts and sends are worked on.
    line: Arc<tokio::sync::Semaphore>,
    line_wait: Duration,
}

/// How long a start or send refused by a full line is told to wait.
const LINE_RETRY: Duration = Duration::from_secs(2);

impl Limits {
    pub fn new(settings: &LimitsSettings) -> Self {
        Limits {
            enabled: settings.enabled,
            send: PerUserAndIp::new(
                quota(settings.send_per_minute, settings.send_burst),
                quota(settings.send_per_minute_per_ip, settings.send_burst_per_ip),
            ),
            start: PerUserAndIp::new(
                quota(settings.start_per_minute, settings.start_burst),
                quota(
                    settings.start_per_minute_per_ip,
                    settings.start_burst_per_ip,
                ),
            ),
            checks: AtomicU64::new(0),
            streams: Arc::default(),
            streams_per_user: settings.streams_per_user.max(1),
            stream_lifetime: Duration::from_secs(settings.stream_max_secs.max(1)),
            line: Arc::new(tokio::sync::Semaphore::new(
                settings.writes_at_once.max(1) as usize
            )),
            line_wait: Duration::from_millis(settings.write_wait_ms),
        }
    }

    /// Waits for a place to work on a start or a send, held until the permit is dropped; after
    /// `write_wait_ms` in line, says how long to wait instead.
    pub async fn in_line(&self) -> Result<tokio::sync::OwnedSemaphorePermit, Limited> {
        let busy = Limited {
            retry_after: LINE_RETRY,
        };
        if let Ok(place) = self.line.clone().try_acquire_owned() {
            return Ok(place);
        }
        if self.line_wait.is_zero() {
            return Err(busy);
        }
        match tokio::time::timeout(self.line_wait, self.line.clone().acquire_owned()).await {
            Ok(Ok(place)) => Ok(place),
            _ => Err(busy),
        }
    }

    /// Charges one `action` to `user` and their address, or says how long to wait. Always
    /// admits when the rate limits are turned off.
    pub fn check(&self, action: Action, user: &str, ip: Option<IpAddr>) -> Result<(), Limited> {
        if !self.enabled {
            return Ok(());
        }
        if self.checks.fetch_add(1, Ordering::Relaxed) % FORGET_EVERY == FORGET_EVERY - 1 {
            self.send.forget_idle();
            self.start.forget_idle();
        }
        match action {
            Action::SendMessage => self.send.check(user, ip),
            Action::StartInterview => self.start.check(user, ip),
        }
    }

    /// Takes one of `user`'s live-stream slots, held until the returned slot is dropped; None
    /// when all are in use.
    pub fn open_stream(&self, user: &str) -> Option<StreamSlot> {
        let mut open = self.streams.lock().unwrap_or_else(|p| p.into_inner());
        let count = open.entry(user.to_owned()).or_insert(0);
        if *count >= self.streams_per_user {
            return None;
        }
        *count += 1;
        Some(StreamSlot {
            streams: self.streams.clone(),
            user: user.to_owned(),
        })
    }

    /// How many live streams `user` holds open.
    pub fn open_streams(&self, user: &str) -> u32 {
        let open = self.streams.lock().unwrap_or_else(|p| p.into_inner());
        open.get(user).copied().unwrap_or(0)
    }

    /// How many live streams are open, over all users.
    pub fn all_open_streams(&self) -> u64 {
        let open = self.streams.lock().unwrap_or_else(|p| p.into_inner());
        open.values().map(|&n| u64::from(n)).sum()
    }

    /// How long one live stream may last before it ends (and the browser reconnects).
    pub fn stream_lifetime(&self) -> Duration {
        self.stream_lifetime
    }
}

/// One open live stream, counted against its user until dropped.
pub struct StreamSlot {
    streams: Arc<Mutex<HashMap<String, u32>>>,
    user: String,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.streams.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = open.get_mut(&self.user) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.user);
            }
        }
    }
}

/// Inside a server function: charges `action` to the caller and their address, or refuses
/// with 429, `Retry-After` and a message that says how long to wait.
pub fn admit(ctx: &Caller, action: Action) -> Result<(), ApiError> {
    ctx.state
        .limits
        .check(action, &ctx.actor.user_id, ctx.ip)
        .map_err(|limited| {
            let seconds = limited.seconds();
            retry_after(
                ApiError::RateLimited {
                    message: action.refusal(seconds),
                    retry_after_secs: seconds,
                },
                seconds,
            )
        })
}

/// Inside a server function that starts an interview or stores a message: a place in the line
/// (keep it until the work is done), or 503 with `Retry-After` when the line did not move in
/// time. Taken after [`admit`], so a person over their own limit never holds a place.
pub async fn take_place(ctx: &Caller) -> Result<tokio::sync::OwnedSemaphorePermit, ApiError> {
    ctx.state.limits.in_line().await.map_err(|limited| {
        let seconds = limited.seconds();
        retry_after(
            ApiError::Busy {
                message: format!(
                    "Many people are starting and answering right now; try again in {seconds} s."
                ),
                retry_after_secs: seconds,
            },
            seconds,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> LimitsSettings {
        LimitsSettings {
            send_per_minute: 1,
            send_burst: 2,
            send_per_minute_per_ip: 1,
            send_burst_per_ip: 3,
            streams_per_user: 2,
            ..LimitsSettings::default()
        }
    }

    #[test]
    fn a_user_over_the_burst_waits_and_others_are_unaffected() {
        let limits = Limits::new(&settings());
        let ip = Some(IpAddr::from([10, 0, 0, 1]));
        assert!(limits.check(Action::SendMessage, "ann", ip).is_ok());
        assert!(limits.check(Action::SendMessage, "ann", ip).is_ok());
        let refused = limits
            .check(Action::SendMessage, "ann", ip)
            .expect_err("third send in a row");
        // One message a minute: the next one is about a minute away.
        assert!(
            refused.seconds() > 30 && refused.seconds() <= 60,
            "{refused:?}"
        );
        assert!(
            limits.check(Action::StartInterview, "ann", ip).is_ok(),
            "starting is limited separately"
        );
        // The address has one send left (burst 3, ann's refused send did not charge it).
        assert!(limits.check(Action::SendMessage, "bob", ip).is_ok());
        assert!(
            limits.check(Action::SendMessage, "cat", ip).is_err(),
            "the address is spent"
        );
        let elsewhere = Some(IpAddr::from([10, 0, 0, 2]));
        assert!(limits.check(Action::SendMessage, "cat", elsewhere).is_ok());
    }

    #[test]
    fn turned_off_admits_everything() {
        let limits = Limits::new(&LimitsSettings {
            enabled: false,
            ..settings()
        });
        for _ in 0..100 {
            assert!(limits.check(Action::SendMessage, "ann", None).is_ok());
        }
    }

    #[test]
    fn stream_slots_are_given_back_on_drop() {
        let limits = Limits::new(&settings());
        let first = limits.open_stream("ann").expect("first");
        let _second = limits.open_stream("ann").expect("second");
        assert!(limits.open_stream("ann").is_none(), "two at most");
        assert!(limits.open_stream("bob").is_some(), "per user");
        drop(first);
        assert_eq!(limits.open_streams("ann"), 1);
        assert!(limits.open_stream("ann").is_some());
    }

    #[test]
    fn waits_round_up_to_whole_seconds() {
        let wait = |ms| Limited {
            retry_after: Duration::from_millis(ms),
        };
        assert_eq!(wait(0).seconds(), 1);
        assert_eq!(wait(1).seconds(), 1);
        assert_eq!(wait(1000).seconds(), 1);
        assert_eq!(wait(1001).seconds(), 2);
    }

    #[tokio::test]
    async fn a_full_line_refuses_at_once_without_a_wait() {
        let limits = Limits::new(&LimitsSettings {
            writes_at_once: 2,
            write_wait_ms: 0,
            enabled: false,
            ..settings()
        });
        let first = limits.in_line().await.expect("a place");
        let _second = limits.in_line().await.expect("a second place");
        let refused = limits.in_line().await.expect_err("the line is full");
        assert_eq!(refused.seconds(), 2);
        drop(first);
        assert!(limits.in_line().await.is_ok(), "a place given back is free");
    }

    #[tokio::test]
    async fn a_start_or_send_waits_for_the_next_free_place() {
        let limits = Limits::new(&LimitsSettings {
            writes_at_once: 1,
            write_wait_ms: 600_000,
            ..settings()
        });
        let held = limits.in_line().await.expect("a place");
        let mut waiting = std::pin::pin!(limits.in_line());
        let first_poll = std::future::poll_fn(|cx| {
            std::task::Poll::Ready(std::future::Future::poll(waiting.as_mut(), cx).is_pending())
        })
        .await;
        assert!(first_poll, "no place yet: it waits in line");
        drop(held);
        assert!(waiting.await.is_ok(), "it got the place given back");
    }
}
