//! `rehearse-bench fault-drill --upstream <mode>`: the same scripted candidates, this time against a
//! failing model provider instead of a dying server. The provider is `tools/fault_upstream.py`
//! (an OpenAI-compatible double, Python standard library) whose behaviour the model name picks:
//! `http500`, `http429`, `hang`, `cut`, `slow`, `flaky`, or `ok` for a baseline. The server is
//! this binary, started as a child on a throwaway SQLite file with that upstream as its provider.
//!
//! Besides the candidates, a prober presses Stop while its interviewer is waiting on the
//! provider, and times how long the reply takes to arrive after the press. The drill prints the
//! faults the upstream injected, replies completed, replies degraded (a model call that did not
//! end `ok`, so the candidate got the built question), Stop latency p50/p99, the disconnects
//! the upstream saw, and the checks of the crash drill: candidate messages lost, duplicates,
//! interviews stuck. It fails when any of those three is not 0.

use crate::drill::{
    check, finish_candidates, free_port, interview, messages, persist, signed_in, start_interview,
    wait_for_idle, ServerProcess,
};
use crate::upstream::{percentile, Upstream};
use anyhow::Context;
use rehearse_settings::Settings;
use sqlx::Row;
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The modes `tools/fault_upstream.py` understands.
pub const MODES: &[&str] = &["ok", "http500", "http429", "hang", "cut", "slow", "flaky"];

/// Stops pressed by the prober.
const STOPS: usize = 5;

pub async fn run(settings: Settings, mode: &str, candidates: usize) -> anyhow::Result<()> {
    let kind = mode.split(':').next().unwrap_or_default();
    anyhow::ensure!(
        MODES.contains(&kind),
        "unknown upstream mode '{mode}'; use one of {}",
        MODES.join(", ")
    );
    let upstream = Upstream::start().await?;
    let dir = std::env::temp_dir().join(format!("rehearse-updrill-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let db_path = dir.join("drill.db");
    let port = free_port()?;
    let base = format!("http://127.0.0.1:{port}");
    let env = [
        ("REHEARSE_LLM__PROVIDER", "openai".to_owned()),
        ("REHEARSE_LLM__BASE_URL", format!("{}/v1", upstream.origin)),
        ("REHEARSE_LLM__MODEL", mode.to_owned()),
        ("REHEARSE_LLM__FREE", "true".to_owned()),
        // Short enough that a hung provider costs a turn seconds, not half a minute.
        ("REHEARSE_LLM__FIRST_TOKEN_TIMEOUT_SECS", "5".to_owned()),
        ("REHEARSE_LLM__CALL_TIMEOUT_SECS", "20".to_owned()),
        ("REHEARSE_LLM__MAX_CONCURRENT", "8".to_owned()),
    ];
    let server = ServerProcess {
        exe: std::env::current_exe()?,
        dir: dir.clone(),
        db_url: format!("sqlite://{}", db_path.display()),
        port,
        models: settings.data_dir.join("models"),
        env: env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
    };
    println!(
        "upstream fault drill: mode {mode}, {candidates} candidates and a Stop prober, SQLite at {}",
        db_path.display()
    );
    let mut child = server.start(None).await?;
    let sent = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for c in 0..candidates {
        let base = base.clone();
        let sent = sent.clone();
        tasks.push(tokio::spawn(async move {
            let client = signed_in(&base, &format!("updrill{c}@rehearse.local")).await?;
            interview(&client, &base, &format!("up-{c}"), &sent).await
        }));
    }
    let prober = {
        let base = base.clone();
        tokio::spawn(async move { stop_latencies(&base).await })
    };
    let (confirmed, gave_up) = finish_candidates(tasks).await;
    let stops = prober.await.context("the Stop prober")??;
    wait_for_idle(&server.db_url).await;
    let degraded = degraded_replies(&server.db_url).await?;
    child.kill().await.ok();
    let report = check(&server.db_url, &confirmed).await?;
    let stats = upstream.stats(mode).await;
    let counter = |name: &str| stats[name].as_u64().unwrap_or(0);
    let injected = counter("errors") + counter("cut") + counter("disconnects");

    println!();
    println!("upstream requests           {}", counter("requests"));
    println!("faults injected             {injected}");
    println!("upstream saw disconnects    {}", counter("disconnects"));
    println!("replies completed           {}", report.completed);
    println!("replies degraded            {degraded}");
    println!(
        "Stop to reply, ms           p50 {}  p99 {}  ({} stops)",
        percentile(&stops, 50),
        percentile(&stops, 99),
        stops.len()
    );
    println!("candidate messages lost     {}", report.lost);
    println!("duplicates stored           {}", report.duplicates);
    println!("interviews left stuck       {}", report.stuck);
    println!("candidates that gave up     {gave_up}");
    if report.lost + report.duplicates + report.stuck > 0 || gave_up > 0 {
        anyhow::bail!(
            "the drill found lost, duplicated or stuck work; its database is kept at {}",
            db_path.display()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// Model calls that did not end `ok`: each left the candidate the built question (or the
/// honest fallback) instead of the model's words.
async fn degraded_replies(db_url: &str) -> anyhow::Result<i64> {
    let db = rehearse_db::Db::connect(db_url).await?;
    let row = sqlx::query("SELECT COUNT(*) FROM model_calls WHERE status <> 'ok'")
        .fetch_one(db.pool())
        .await?;
    let n = row.try_get::<i64, _>(0)?;
    db.close().await;
    Ok(n)
}

/// Presses Stop while the interviewer waits on the provider, [`STOPS`] times, and returns the
/// milliseconds from each press to the reply.
async fn stop_latencies(base: &str) -> anyhow::Result<Vec<u128>> {
    let client = signed_in(base, "updrill-stop@rehearse.local").await?;
    let mut out = Vec::new();
    let mut id = String::new();
    let mut said = 0;
    while out.len() < STOPS && said < STOPS * 3 {
        if said % 3 == 0 {
            id = start_interview(&client, base).await?;
        }
        let before = messages(&client, base, &id).await?.len();
        let key = format!("stop-{said}");
        said += 1;
        let r = client
            .post(format!("{base}/api/send_message"))
            .header("accept", "application/json")
            .form(&[
                ("id", id.as_str()),
                ("text", "Ready."),
                ("key", key.as_str()),
            ])
            .send()
            .await?;
        if !r.status().is_success() {
            continue;
        }
        // Give the turn a moment to reach the provider, then press Stop.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let pressed = Instant::now();
        let stopped = client
            .post(format!("{base}/api/stop_reply"))
            .header("accept", "application/json")
            .form(&[("id", id.as_str())])
            .send()
            .await?
            .json::<bool>()
            .await
            .unwrap_or(false);
        let replied = persist(|| async {
            let now = messages(&client, base, &id).await?;
            anyhow::ensure!(
                now.len() > before + 1 && now.last().is_some_and(|(a, _)| a != "candidate"),
                "no reply yet"
            );
            Ok(())
        })
        .await;
        if stopped && replied.is_ok() {
            out.push(pressed.elapsed().as_millis());
        }
    }
    Ok(out)
}
