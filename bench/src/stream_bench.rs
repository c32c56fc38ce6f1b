//! `rehearse-bench stream-bench [--streams 100,1000]`: what the model choke point costs a streamed
//! reply. Against a fast OpenAI-compatible upstream double (`tools/fault_upstream.py`, model `ok`)
//! it measures, for N replies started at once:
//! - time to first token straight from the upstream (the reference);
//! - time to first token where it leaves the gateway (budget reservation, trace, provider chain,
//!   bounded channel), and the difference: what Rehearse adds;
//! - errors;
//! - the server's resident memory per open stream, with N slow replies held open at once;
//! - the gaps between tokens of replies already running (a token every 200 ms upstream), alone
//!   and while a crowd of N new calls opens through the same gateway: arrivals must not slow
//!   interviews already under way.
//!
//! The gateway is built without an admission limit, so the figures are the choke point's own
//! cost; in production `REHEARSE_LLM__MAX_CONCURRENT` decides how many run at once. It is a
//! command that prints figures, run by hand; `measure` also runs at small scale in the tests.
//! The time until the first text reaches a browser is `load-turns --upstream`'s figure, not
//! this one's (the interview holds a phrasing back until it is checked, so that time is the
//! whole reply's and more).

use crate::upstream::Upstream;
use futures::StreamExt;
pub use gaps::measure_gaps;
use rehearse_db::Checkpoints;
use rehearse_llm::budget::{BudgetStore, DefaultCeilings};
use rehearse_llm::gateway::{CallContext, Gateway, GatewayEvent, Limits};
use rehearse_llm::openai::OpenAiCompatible;
use rehearse_llm::pricing::{usd_to_nanos, Pricing};
use rehearse_llm::{ChatMessage, ChatRequest};
pub use report::run;
use std::sync::Arc;
use std::time::{Duration, Instant};
pub use steady::{measure_steady, Steady};
pub use timed::openings_alone;
use timed::Timed;

mod gaps;
mod report;
mod steady;
mod timed;

/// The stream bench's options, the same for `rehearse-bench stream-bench` and
/// `rehearse-stream-bench`.
#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    /// Replies started at once, one run per value (comma-separated).
    #[arg(long, value_delimiter = ',', default_values_t = vec![100, 1000])]
    pub streams: Vec<usize>,
    /// Arrivals a second in the steady run (N replies held open, started at this rate).
    #[arg(long, default_value_t = 200)]
    pub per_second: u32,
}

/// The figures of one run.
#[derive(Debug, Clone)]
pub struct Figures {
    pub streams: usize,
    /// Milliseconds to the first token, straight from the upstream.
    pub upstream_ttft_ms: Vec<u128>,
    /// Milliseconds to the first token out of the gateway.
    pub gateway_ttft_ms: Vec<u128>,
    /// Per call through the gateway, microseconds it added: from the call's start until its
    /// request reached the provider (admission, the opening write, the provider chain), and
    /// from the provider's first token until it left the gateway (the pump, the channel).
    pub before_request_us: Vec<u128>,
    pub after_first_token_us: Vec<u128>,
    /// Per call, the two added together.
    pub added_us: Vec<u128>,
    pub errors: usize,
    /// What the first few failed calls said, so a run with errors explains them.
    pub first_errors: Vec<String>,
    /// Resident memory added per open stream, in KiB (None where /proc is not readable).
    pub kib_per_stream: Option<f64>,
}

/// How many failed calls' messages a run keeps.
const FIRST_ERRORS: usize = 3;

/// Counts a failed call, keeping what the first [`FIRST_ERRORS`] said (the burst and steady
/// runs alike).
fn failed(errors: &mut usize, first_errors: &mut Vec<String>, error: String) {
    *errors += 1;
    if first_errors.len() < FIRST_ERRORS {
        first_errors.push(error);
    }
}

/// Replies already running while the gaps between their tokens are measured.
pub const RUNNING: usize = 20;
/// The upstream's own gap between those replies' tokens.
const RUNNING_GAP_MS: u64 = 200;

/// [`request`] carrying its call number, for [`Timed`].
fn numbered(n: usize) -> ChatRequest {
    let mut request = request();
    if let Some(last) = request.messages.last_mut() {
        last.content.push_str(&format!(" #{n}"));
    }
    request
}

fn request() -> ChatRequest {
    ChatRequest {
        messages: vec![
            ChatMessage::system("You interview."),
            ChatMessage::user("Ask me one question."),
        ],
        tools: Vec::new(),
        max_tokens: 64,
        temperature: None,
    }
}

/// One run with `streams` replies at once.
pub async fn measure(streams: usize) -> anyhow::Result<Figures> {
    let upstream = Upstream::start().await?;
    let (_dir, db) = fresh_db("bench").await?;
    // A first pass warms the upstream (its threads, the connections), so neither side of the
    // comparison pays for it.
    direct(&upstream.origin, streams).await?;
    let upstream_ttft_ms = direct(&upstream.origin, streams)
        .await?
        .into_iter()
        .map(|(first, _)| first)
        .collect();

    let gateway = |model: &str| bench_gateway(&upstream.origin, model, &db);

    // Time to the first token out of the gateway, replies drained to the end.
    let timed = Arc::new(Timed::new(Arc::new(OpenAiCompatible::new(
        &format!("{}/v1", upstream.origin),
        "ok",
        None,
    )?)));
    let fast = gateway_over(timed.clone(), &db);
    let mut tasks = Vec::new();
    for i in 0..streams {
        let gw = fast.clone();
        tasks.push(tokio::spawn(async move {
            let clock = Instant::now();
            first_token(&gw, i).await.map(|first| (i, clock, first))
        }));
    }
    let mut gateway_ttft_ms = Vec::new();
    let (mut before_request_us, mut after_first_token_us) = (Vec::new(), Vec::new());
    let mut added_us = Vec::new();
    let (mut errors, mut first_errors) = (0, Vec::new());
    for t in futures::future::join_all(tasks).await {
        match t.map_err(|e| e.to_string()).and_then(|call| call) {
            Ok((i, clock, first)) => {
                gateway_ttft_ms.push(first.duration_since(clock).as_millis());
                if let Some(seen) = timed.seen(i) {
                    let before = seen.before_request_us(clock);
                    before_request_us.push(before);
                    if let Some(after) = seen.after_first_token_us(first) {
                        after_first_token_us.push(after);
                        added_us.push(before + after);
                    }
                }
            }
            Err(e) => failed(&mut errors, &mut first_errors, e),
        }
    }

    // Memory: slow replies held open together, resident memory read while all are open.
    let slow = gateway("slow:500")?;
    let before = resident_kib();
    let starting: Vec<_> = (0..streams)
        .map(|i| {
            let gw = slow.clone();
            tokio::spawn(async move {
                let mut handle = gw.start(context(streams + i), request()).await.ok()?;
                // Wait for the first token, so the stream is open end to end.
                let _ = tokio::time::timeout(Duration::from_secs(30), handle.events.recv()).await;
                Some(handle)
            })
        })
        .collect();
    let open: Vec<_> = futures::future::join_all(starting)
        .await
        .into_iter()
        .filter_map(|t| t.ok().flatten())
        .collect();
    let during = resident_kib();
    // Stopped like a candidate pressing Stop: each call ends, its trace and cost written.
    for handle in open {
        drop(handle.events);
        let _ = handle.outcome.await;
    }
    let kib_per_stream = match (before, during) {
        (Some(b), Some(d)) if streams > 0 => Some(d.saturating_sub(b) as f64 / streams as f64),
        _ => None,
    };
    db.close().await;
    Ok(Figures {
        streams,
        upstream_ttft_ms,
        gateway_ttft_ms,
        before_request_us,
        after_first_token_us,
        added_us,
        errors,
        first_errors,
        kib_per_stream,
    })
}

/// Starts call `i` (its request numbered for [`Timed`]), drains its reply to the end and returns
/// when its first token left the gateway; an error says what went wrong, for the run's report.
async fn first_token(gateway: &Gateway, i: usize) -> Result<Instant, String> {
    let mut handle = gateway
        .start(context(i), numbered(i))
        .await
        .map_err(|e| format!("the call did not start: {e}"))?;
    let mut first = None;
    while let Some(event) = handle.events.recv().await {
        if first.is_none() && matches!(event, GatewayEvent::Token(_)) {
            first = Some(Instant::now());
        }
    }
    match handle.outcome.await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => return Err(format!("the reply failed: {e}")),
        Err(e) => return Err(format!("the reply's task ended: {e}")),
    }
    first.ok_or_else(|| "the reply had no token".to_owned())
}

/// A migrated SQLite database in a temporary directory, for one run; the directory lives as
/// long as the returned guard.
async fn fresh_db(name: &str) -> anyhow::Result<(tempfile::TempDir, rehearse_db::Db)> {
    fresh_db_with(name, Checkpoints::default()).await
}

/// [`fresh_db`], its write-ahead log checkpointed as `checkpoints` says.
async fn fresh_db_with(
    name: &str,
    checkpoints: Checkpoints,
) -> anyhow::Result<(tempfile::TempDir, rehearse_db::Db)> {
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}/{name}.db", dir.path().display());
    let db = rehearse_db::Db::connect_with(&url, checkpoints).await?;
    db.migrate().await?;
    Ok((dir, db))
}

/// A gateway over the upstream double's `model`, on `db`, without admission limits.
fn bench_gateway(origin: &str, model: &str, db: &rehearse_db::Db) -> anyhow::Result<Gateway> {
    let provider = OpenAiCompatible::new(&format!("{origin}/v1"), model, None)?;
    Ok(gateway_over(Arc::new(provider), db))
}

/// A gateway over `provider`, on `db`, without admission limits.
fn gateway_over(provider: Arc<dyn rehearse_llm::ChatModel>, db: &rehearse_db::Db) -> Gateway {
    let budget = Arc::new(BudgetStore::new(
        db,
        DefaultCeilings {
            interview: usd_to_nanos(1_000.0),
            user_day: usd_to_nanos(1_000.0),
            global_day: usd_to_nanos(1_000.0),
        },
    ));
    let limits = Limits {
        max_reply_tokens: 64,
        first_token_timeout: Duration::from_secs(60),
        call_timeout: Duration::from_secs(120),
    };
    Gateway::new(db, provider, Pricing::FREE, limits, budget)
}

fn context(i: usize) -> CallContext {
    CallContext {
        user_id: Some(format!("bench-user-{i}")),
        interview_id: Some(format!("bench-{i}")),
        step: "question".into(),
        ..CallContext::default()
    }
}

/// Time to the first streamed chunk and to the end of the reply of `streams` requests made at
/// once straight to the upstream, in milliseconds.
pub(crate) async fn direct(origin: &str, streams: usize) -> anyhow::Result<Vec<(u128, u128)>> {
    let http = reqwest::Client::new();
    let body = serde_json::json!({
        "model": "ok",
        "stream": true,
        "max_tokens": 64,
        "messages": [{"role": "user", "content": "Ask me one question."}],
    });
    let mut tasks = Vec::new();
    for _ in 0..streams {
        let http = http.clone();
        let body = body.clone();
        let url = format!("{origin}/v1/chat/completions");
        tasks.push(tokio::spawn(async move {
            let clock = Instant::now();
            let response = http.post(url).json(&body).send().await.ok()?;
            let mut chunks = response.bytes_stream();
            let mut first = None;
            while let Some(chunk) = chunks.next().await {
                let chunk = chunk.ok()?;
                if first.is_none() && chunk.windows(8).any(|w| w == b"\"content") {
                    first = Some(clock.elapsed().as_millis());
                }
            }
            first.map(|first| (first, clock.elapsed().as_millis()))
        }));
    }
    Ok(futures::future::join_all(tasks)
        .await
        .into_iter()
        .filter_map(|t| t.ok().flatten())
        .collect())
}

/// This process's resident memory in KiB, from /proc.
fn resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}
