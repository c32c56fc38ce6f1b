//! `rehearse-bench load-turns`: many candidates at once on the embedded database. The server runs
//! in-process, on a tokio runtime and threads of its own (`apart`), on a random port with a
//! throwaway SQLite file and the scripted model (a test double: this measures orchestration
//! and the database, not a model). Candidates sign up first (not measured); then every one
//! starts an interview, opens its live stream as the page does, and answers, all at the same
//! moment, and waits on that stream for the first question (no polling: no browser polls).
//! It prints, for starts and sends apart: succeeded, refused by admission control (429/503,
//! not errors), errors (anything else), and latency percentiles; then how many candidates got
//! the interviewer's first question, and the latency of an unrelated page (another
//! candidate's home page, loaded from a thread of its own every 100 ms) all along. The API
//! suite runs the same at 20 candidates.
//!
//! With `--local` it runs on the configured model instead (the embedded local model unless the
//! environment says otherwise), with admission control as configured, and also prints how
//! many first questions the model phrased (a slot, perhaps after a wait in line) and how many
//! were the built question given at once and how long each kind took to arrive, and the
//! unrelated page's loads begun while the model was decoding: model work must not starve the
//! web server. It also prints what admission decided for every model call: a slot at once, a
//! slot after waiting in line (with the mean and longest wait), or refused as busy.

use rehearse_llm::scripted::{Script, ScriptedModel};
use rehearse_settings::Settings;
use std::sync::Arc;
use std::time::{Duration, Instant};

mod apart;
mod candidate;
mod first_text;

use candidate::{candidate, sign_up};

#[derive(Default)]
struct Tally {
    ok: usize,
    refused: usize,
    errors: Vec<String>,
    millis: Vec<u128>,
}

impl Tally {
    fn record(&mut self, took: Duration, status: Option<reqwest::StatusCode>, detail: &str) {
        self.millis.push(took.as_millis());
        match status {
            Some(s) if s.is_success() => self.ok += 1,
            Some(s) if s.as_u16() == 429 || s.as_u16() == 503 => self.refused += 1,
            Some(s) => self.errors.push(format!("{s}: {detail}")),
            None => self.errors.push(detail.to_owned()),
        }
    }

    fn print(&mut self, what: &str) {
        let (p50, p99, max) = (
            percentile(&mut self.millis, 0.5),
            percentile(&mut self.millis, 0.99),
            percentile(&mut self.millis, 1.0),
        );
        println!(
            "{what:<8} ok {:>4}  refused {:>4}  errors {:>4}  p50 {p50:>5} ms  p99 {p99:>5} ms  max {max:>5} ms",
            self.ok,
            self.refused,
            self.errors.len(),
        );
        for e in self.errors.iter().take(5) {
            println!("         error: {e}");
        }
    }
}

/// Which model answers the crowd.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadModel {
    /// The scripted test double: orchestration and the database alone.
    Scripted,
    /// The configured model (the embedded local one by default), with its admission control.
    Local,
    /// The fast OpenAI-compatible upstream double (`tools/fault_upstream.py`, model `ok`),
    /// without an admission limit: where the first text reaches the browser, beside the
    /// upstream's own times at the same concurrency.
    FastUpstream,
}

/// What a run counted, for its small-scale test.
#[derive(Debug, Default)]
pub struct Summary {
    pub sends_ok: usize,
    /// Starts and sends that failed (refusals by admission control are not errors).
    pub errors: usize,
    /// Candidates whose live stream showed the first interviewer text.
    pub first_texts: usize,
    /// Candidates whose live stream brought the stored first question.
    pub questions: usize,
}

pub async fn run(
    mut settings: Settings,
    candidates: usize,
    kind: LoadModel,
) -> anyhow::Result<Summary> {
    let local = kind == LoadModel::Local;
    let upstream = match kind {
        LoadModel::FastUpstream => Some(crate::upstream::Upstream::start().await?),
        LoadModel::Scripted | LoadModel::Local => None,
    };
    if let Some(up) = &upstream {
        settings.llm.provider = rehearse_settings::LlmProvider::Openai;
        settings.llm.base_url = Some(format!("{}/v1", up.origin));
        settings.llm.model = Some("ok".into());
        settings.llm.free = true;
        // No admission limit, as in stream-bench: the figure is the path's own cost.
        settings.llm.max_concurrent = Some(candidates.max(1));
    }
    let dir = std::env::temp_dir().join(format!("rehearse-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    settings.database_url = Some(secrecy::SecretString::from(format!(
        "sqlite://{}/load.db",
        dir.display()
    )));
    settings.data_dir = dir.clone();
    settings.listen = Some("127.0.0.1:0".into());
    settings.login_attempts_per_ip = u32::MAX;
    settings.login_attempts_per_account = u32::MAX;
    // Every simulated candidate comes from this machine's address, at once: not a crowd the
    // per-IP send and start limits should stop.
    settings.limits.enabled = false;
    settings.signup.attempts_per_ip = u32::MAX;
    settings.budget.per_interview_usd = 1_000.0;
    settings.budget.per_user_day_usd = 1_000.0;
    settings.budget.global_day_usd = 1_000.0;
    let model: Option<Arc<dyn rehearse_llm::ChatModel>> = match kind {
        LoadModel::Scripted => Some(Arc::new(ScriptedModel::new(vec![Script::text(
            "Could you tell me about that?",
        )]))),
        LoadModel::Local | LoadModel::FastUpstream => None,
    };
    let provider = match kind {
        LoadModel::Scripted => "scripted model".to_owned(),
        LoadModel::Local => format!("{:?} model", settings.llm.provider).to_lowercase(),
        LoadModel::FastUpstream => "the fast upstream double, no admission limit".to_owned(),
    };
    let server = apart::serve(settings, model).await?;
    let base = server.base.clone();

    println!("candidates: {candidates} (SQLite, {provider})");
    let setup = Instant::now();
    let mut clients = Vec::with_capacity(candidates);
    for chunk in (0..candidates).collect::<Vec<_>>().chunks(8) {
        let made = futures::future::join_all(chunk.iter().map(|i| {
            let base = &base;
            async move { sign_up(base, &format!("load{i}")).await }
        }))
        .await;
        for client in made {
            clients.push(client?);
        }
    }
    println!(
        "signed up in {:.1} s (not measured)",
        setup.elapsed().as_secs_f64()
    );

    // An unrelated page, loaded again and again while the crowd arrives and is answered.
    let prober = apart::Prober::start(base.clone()).await?;
    let mut starts = Tally::default();
    let mut sends = Tally::default();
    let begun = Instant::now();
    let begun_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_millis() as i64;
    let results =
        futures::future::join_all(clients.iter().map(|c| candidate(&base, c, begun))).await;
    let mut first_texts = Vec::new();
    let mut arrivals = Vec::new();
    let mut arrived_by = begun;
    for sent in results {
        arrived_by = arrived_by.max(sent.arrived);
        starts.record(sent.start.0, sent.start.1, &sent.start.2);
        if let Some(send) = sent.send {
            sends.record(send.0, send.1, &send.2);
        }
        first_texts.extend(sent.watched.first_text.map(|t| t.as_millis()));
        arrivals.extend(sent.watched.question);
    }
    let loads = prober.finish().await;
    println!(
        "every start, send and first question done in {:.1} s",
        begun.elapsed().as_secs_f64()
    );
    starts.print("starts");
    sends.print("sends");
    println!(
        "first questions received: {} of {} sent, the last {:.1} s after the sends",
        arrivals.len(),
        sends.ok,
        arrivals
            .iter()
            .map(|(t, _)| t.as_secs_f64())
            .fold(0.0, f64::max)
    );
    if local {
        // The built question for the first requirement: a turn that got no slot (or whose
        // phrasing failed its checks) posts exactly this.
        let role = rehearse_interview::roles::find("backend-rust")
            .ok_or_else(|| anyhow::anyhow!("the sample role is missing"))?;
        let built = rehearse_interview::questions::main_question(
            &role.requirements[0],
            rehearse_interview::flow::Kind::Technical,
            rehearse_interview::flow::Difficulty::Mid,
        );
        let (mut as_built, mut phrased): (Vec<u128>, Vec<u128>) = (Vec::new(), Vec::new());
        for (took, html) in &arrivals {
            // The built question as the page's HTML writes it (apostrophes, ampersands).
            if html.contains(&app::server::interview_views::escape(&built)) {
                as_built.push(took.as_millis());
            } else {
                phrased.push(took.as_millis());
            }
        }
        println!(
            "  phrased by the model (a slot, after any wait in line): {:>4}  arrived p50 {:>6} ms  p99 {:>6} ms",
            phrased.len(),
            percentile(&mut phrased, 0.5),
            percentile(&mut phrased, 0.99)
        );
        println!(
            "  the built question (no slot in time, or phrasing refused): {:>4}  arrived p50 {:>6} ms  p99 {:>6} ms",
            as_built.len(),
            percentile(&mut as_built, 0.5),
            percentile(&mut as_built, 0.99)
        );
        let counts = server.gateway.admission_counts();
        println!(
            "  model calls: a slot at once {}, after waiting in line {} (mean {} ms, longest {} ms), refused busy {} (line full {}, wait ran out {})",
            counts.at_once,
            counts.after_wait,
            counts.waited_ms_mean(),
            counts.waited_ms_max,
            counts.refused_line_full + counts.refused_after_wait,
            counts.refused_line_full,
            counts.refused_after_wait
        );
    }
    println!(
        "first interviewer text on the live stream, from the send: {} of {}, p50 {} ms, p99 {} ms",
        first_texts.len(),
        sends.ok,
        percentile(&mut first_texts, 0.5),
        percentile(&mut first_texts, 0.99)
    );
    if let Some(up) = &upstream {
        print_upstream_alone(sends.ok, &up.origin).await?;
    }
    // When the local model was decoding: from every completed model call's trace, in
    // milliseconds after the crowd began.
    let busy: Option<Vec<(i64, i64)>> = if local {
        let traces = server
            .gateway
            .traces()
            .search(None, Some(rehearse_llm::trace::CallStatus::Ok), 100_000)
            .await?;
        Some(
            traces
                .iter()
                .map(|t| {
                    let from = t.call.started_at - begun_ms;
                    (from, from + t.latency_ms.unwrap_or(0))
                })
                .collect(),
        )
    } else {
        None
    };
    print_page(&loads, begun, arrived_by, busy.as_deref());
    let questions = arrivals.len();
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(Summary {
        questions,
        sends_ok: sends.ok,
        errors: starts.errors.len() + sends.errors.len(),
        first_texts: first_texts.len(),
    })
}

/// The unrelated page's loads: all of them, then those begun while the crowd arrived (until its
/// last start or send was answered: the crowd's own requests at once on the two cores) apart
/// from those begun afterwards, while the turns and the model worked; and those begun while a
/// model call was decoding (`busy`, from the calls' traces; local-model runs only): model work
/// must not starve the web server.
fn print_page(
    loads: &[apart::Load],
    begun: Instant,
    arrived_by: Instant,
    busy: Option<&[(i64, i64)]>,
) {
    let mut all: Vec<u128> = loads.iter().map(|(_, ms)| *ms).collect();
    let (during, after): (Vec<&apart::Load>, Vec<&apart::Load>) =
        loads.iter().partition(|(at, _)| *at < arrived_by);
    let mut during: Vec<u128> = during.iter().map(|(_, ms)| *ms).collect();
    let mut after: Vec<u128> = after.iter().map(|(_, ms)| *ms).collect();
    println!(
        "unrelated page (another candidate's home page) meanwhile: {} loads, p50 {} ms, p99 {} ms, max {} ms",
        all.len(),
        percentile(&mut all, 0.5),
        percentile(&mut all, 0.99),
        percentile(&mut all, 1.0)
    );
    println!(
        "  while the crowd arrived (its starts and sends answered within {:.1} s): {} loads, p50 {} ms, p99 {} ms",
        arrived_by.duration_since(begun).as_secs_f64(),
        during.len(),
        percentile(&mut during, 0.5),
        percentile(&mut during, 0.99)
    );
    println!(
        "  then, while the turns and the model worked: {} loads, p50 {} ms, p99 {} ms",
        after.len(),
        percentile(&mut after, 0.5),
        percentile(&mut after, 0.99)
    );
    let Some(busy) = busy else {
        return;
    };
    let mut decoding: Vec<u128> = loads
        .iter()
        .filter(|(at, _)| {
            let at = at.saturating_duration_since(begun).as_millis() as i64;
            busy.iter().any(|(from, to)| (*from..*to).contains(&at))
        })
        .map(|(_, ms)| *ms)
        .collect();
    println!(
        "  begun while the model was decoding ({} calls, {} ms in all): {} loads, p50 {} ms, p99 {} ms",
        busy.len(),
        busy.iter().map(|(from, to)| to - from).sum::<i64>(),
        decoding.len(),
        percentile(&mut decoding, 0.5),
        percentile(&mut decoding, 0.99)
    );
}

/// The upstream alone at the crowd's concurrency, beside which the first text in the browser is
/// read (measured after the crowd, so the two do not compete for the cores).
async fn print_upstream_alone(sent: usize, origin: &str) -> anyhow::Result<()> {
    // A first pass warms the upstream's threads and connections.
    crate::stream_bench::direct(origin, sent).await?;
    let alone = crate::stream_bench::direct(origin, sent).await?;
    let (mut first, mut whole): (Vec<u128>, Vec<u128>) = alone.into_iter().unzip();
    println!(
        "the upstream alone, {sent} replies at once: first token p50 {} ms / p99 {} ms, whole reply p50 {} ms / p99 {} ms",
        percentile(&mut first, 0.5),
        percentile(&mut first, 0.99),
        percentile(&mut whole, 0.5),
        percentile(&mut whole, 0.99)
    );
    Ok(())
}

/// The `p` quantile of `millis` (nearest rank; 0 when empty).
fn percentile(millis: &mut [u128], p: f64) -> u128 {
    millis.sort_unstable();
    millis
        .get(((millis.len() as f64 - 1.0) * p).round() as usize)
        .copied()
        .unwrap_or(0)
}
