//! Steady arrivals: N replies held open together, the way a crowd of candidates builds up, not
//! N requests fired in one instant. Calls start at a fixed rate and each reply lasts longer than
//! the whole ramp (the upstream's slow mode), so by the last arrivals N streams are open at
//! once. For every call the provider's clock ([`Timed`]) splits what the gateway added (before
//! the request left, after the first token came back) from what the upstream took, so the
//! figure does not depend on the upstream double's own variance. The burst run beside it
//! ([`super::measure`]) is the worst case: every call arriving in the same instant, where each
//! waits for the CPU work of all the calls ahead of it on two cores.

use super::gateway_over;
use super::timed::Timed;
use crate::upstream::Upstream;
use rehearse_db::Checkpoints;
use rehearse_llm::openai::OpenAiCompatible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The upstream mode of the held-open replies: ten tokens (the slow mode's length), spaced so
/// that a reply lasts twice the ramp and the first arrivals are still open at the last.
fn held_mode(streams: usize, per_second: u32) -> String {
    let ramp_ms = streams as u64 * 1000 / u64::from(per_second.max(1));
    format!("slow:{}", (ramp_ms / 5).max(200))
}

/// The figures of one steady run.
#[derive(Debug, Clone, Default)]
pub struct Steady {
    pub streams: usize,
    pub per_second: u32,
    /// Who checkpointed SQLite's write-ahead log during the run.
    pub checkpoints: Checkpoints,
    /// Most replies open at the same moment.
    pub peak_open: usize,
    /// Per call, microseconds the gateway added (before the request plus after the token).
    pub added_us: Vec<u128>,
    /// The same, only for calls that started while at least 90% of `streams` were open.
    pub added_at_full_us: Vec<u128>,
    pub before_request_us: Vec<u128>,
    pub after_first_token_us: Vec<u128>,
    /// The slowest calls, slowest first: (call number, milliseconds after the first arrival it
    /// started, microseconds the gateway added). Where they fall says what the p99 is made of:
    /// at the start, a pool still opening its connections; spread evenly, periodic work.
    pub slowest: Vec<(usize, u128, u128)>,
    pub errors: usize,
    /// What the first few failed calls said, so a run with errors explains them.
    pub first_errors: Vec<String>,
}

impl Steady {
    /// Counts a failed call, keeping what the first few said.
    fn failed(&mut self, error: String) {
        super::failed(&mut self.errors, &mut self.first_errors, error);
    }
}

/// How many of the slowest calls a steady run keeps.
const SLOWEST: usize = 5;

/// Starts `streams` replies at `per_second`, each held open for twice the ramp, and times
/// what the gateway adds to each one's first token, on a database whose write-ahead log is
/// checkpointed as `checkpoints` says.
pub async fn measure_steady(
    streams: usize,
    per_second: u32,
    checkpoints: Checkpoints,
) -> anyhow::Result<Steady> {
    let upstream = Upstream::start().await?;
    let (_dir, db) = super::fresh_db_with("steady", checkpoints).await?;
    let timed = Arc::new(Timed::new(Arc::new(OpenAiCompatible::new(
        &format!("{}/v1", upstream.origin),
        &held_mode(streams, per_second),
        None,
    )?)));
    let gateway = gateway_over(timed.clone(), &db);
    let open = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let period = Duration::from_secs_f64(1.0 / f64::from(per_second.max(1)));
    let ramp_start = tokio::time::Instant::now() + Duration::from_millis(100);
    let ramp_clock = ramp_start.into_std();
    let tasks: Vec<_> = (0..streams)
        .map(|i| {
            let (gw, open, peak) = (gateway.clone(), open.clone(), peak.clone());
            let at = ramp_start + period.mul_f64(i as f64);
            tokio::spawn(async move {
                tokio::time::sleep_until(at).await;
                let open_before = open.fetch_add(1, Ordering::SeqCst);
                peak.fetch_max(open_before + 1, Ordering::SeqCst);
                let clock = Instant::now();
                let first = super::first_token(&gw, i).await;
                open.fetch_sub(1, Ordering::SeqCst);
                first.map(|first| (i, clock, first, open_before))
            })
        })
        .collect();
    let mut figures = Steady {
        streams,
        per_second,
        checkpoints,
        ..Steady::default()
    };
    let full = streams * 9 / 10;
    for t in futures::future::join_all(tasks).await {
        let call = t
            .map_err(|e| format!("the call's task ended: {e}"))
            .and_then(|c| c);
        let (i, clock, first, open_before) = match call {
            Ok(call) => call,
            Err(e) => {
                figures.failed(e);
                continue;
            }
        };
        let Some(seen) = timed.seen(i) else {
            figures.failed(format!("call {i} never reached the provider"));
            continue;
        };
        let Some(after) = seen.after_first_token_us(first) else {
            figures.failed(format!("the provider saw no first token for call {i}"));
            continue;
        };
        let before = seen.before_request_us(clock);
        figures.before_request_us.push(before);
        figures.after_first_token_us.push(after);
        figures.added_us.push(before + after);
        let since_ramp_ms = (clock.saturating_duration_since(ramp_clock)).as_millis();
        figures.slowest.push((i, since_ramp_ms, before + after));
        if open_before >= full {
            figures.added_at_full_us.push(before + after);
        }
    }
    figures
        .slowest
        .sort_unstable_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    figures.slowest.truncate(SLOWEST);
    figures.peak_open = peak.load(Ordering::SeqCst);
    db.close().await;
    Ok(figures)
}
