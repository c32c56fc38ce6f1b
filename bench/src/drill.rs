//! `rehearse-bench fault-drill`: scripted candidates against the real server, killed with SIGKILL at
//! named points of a turn and restarted, then checked for lost, duplicated or stuck work.
//!
//! The server is this binary (`serve`), started as a child process on a throwaway SQLite file
//! with the configured model. Each round arms one point ([`rehearse_interview::faults`]); when
//! the child announces it reached the point the drill kills it with SIGKILL and starts it again,
//! armed with the next point. Candidates keep going through it all: a send that fails is sent
//! again with the same idempotency key, as the browser does. After the kills the server runs
//! unarmed until every candidate has finished, and the drill prints per point how often it
//! killed there, then: messages sent, kills, replies completed, candidate messages lost,
//! duplicates stored, interviews left stuck, and SQLite's `PRAGMA integrity_check`. Before the
//! kills it reconnects a live stream while a reply is committed but not yet announced
//! ([`reconnect`]) and prints whether the draft came before the reply.

mod candidates;
mod checks;
pub mod reconnect;
mod server_process;

pub(crate) use candidates::{
    finish_candidates, interview, messages, persist, signed_in, start_interview,
};
pub(crate) use checks::{check, wait_for_idle};
pub(crate) use server_process::{announced, free_port, ServerProcess};

use anyhow::Context;
use rehearse_interview::faults::POINTS;
use rehearse_settings::Settings;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How long an armed server waits for a turn to reach its kill point.
const UNREACHED_SECS: u64 = 30;

pub async fn run(settings: Settings, kills: usize, candidates: usize) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("rehearse-drill-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let db_path = dir.join("drill.db");
    let port = free_port()?;
    let base = format!("http://127.0.0.1:{port}");
    let exe = std::env::current_exe()?;
    let server = ServerProcess {
        exe,
        dir: dir.clone(),
        db_url: format!("sqlite://{}", db_path.display()),
        port,
        models: settings.data_dir.join("models"),
        env: Vec::new(),
    };
    println!(
        "fault drill: {candidates} candidates, {kills} kills, SQLite at {}",
        db_path.display()
    );

    // First, alone: a reconnect between a reply's commit and its announcement.
    let reconnected = reconnect::run(server.exe.clone(), server.models.clone()).await?;

    let mut child = server.start(None).await?;
    let sent = Arc::new(AtomicUsize::new(0));
    // Candidates start another interview when theirs ends until the kills are done, so there
    // is always a turn to interrupt.
    let killing = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let mut tasks = Vec::new();
    for c in 0..candidates {
        let base = base.clone();
        let sent = sent.clone();
        let killing = killing.clone();
        tasks.push(tokio::spawn(async move {
            candidate(&base, c, &sent, &killing).await
        }));
    }

    let mut per_point: BTreeMap<&str, (usize, usize)> =
        POINTS.iter().map(|p| (*p, (0, 0))).collect();
    let mut done_kills = 0;
    let mut round = 0;
    while done_kills < kills && round < kills * 3 && !tasks.iter().all(|t| t.is_finished()) {
        let point = POINTS[round % POINTS.len()];
        round += 1;
        // The next armed server replaces the previous one at once (it serves normally until
        // it reaches its point).
        child.kill().await.ok();
        let (mut armed, mut lines) = server.start_armed(point).await?;
        // A point not reached in this time (no turn got there) counts as missed; the next
        // round arms the next point.
        let reached = announced(&mut lines, Duration::from_secs(UNREACHED_SECS)).await;
        let entry = per_point.entry(point).or_default();
        if reached {
            armed.kill().await.context("SIGKILL")?; // Child::kill sends SIGKILL on Unix
            entry.0 += 1;
            done_kills += 1;
        } else {
            entry.1 += 1;
        }
        child = armed;
    }
    killing.store(false, Ordering::SeqCst);
    child.kill().await.ok();
    child = server.start(None).await?;

    // Unarmed until every candidate is done.
    let (played, gave_up) = finish_candidates(tasks).await;
    let confirmed: Vec<_> = played.into_iter().flatten().collect();
    // Let the last turns finish, then stop the server the way an operator does.
    wait_for_idle(&server.db_url).await;
    child.kill().await.ok();

    let report = check(&server.db_url, &confirmed).await?;
    println!();
    println!("{:<26} {:>6} {:>12}", "kill point", "kills", "not reached");
    for (point, (k, missed)) in &per_point {
        println!("{point:<26} {k:>6} {missed:>12}");
    }
    println!();
    println!(
        "messages sent (confirmed)   {}",
        sent.load(Ordering::SeqCst)
    );
    println!("kills                       {done_kills}");
    println!("replies completed           {}", report.completed);
    println!("candidate messages lost     {}", report.lost);
    println!("duplicates stored           {}", report.duplicates);
    println!("interviews left stuck       {}", report.stuck);
    println!(
        "interviews finished         {} of {}",
        report.finished,
        confirmed.len()
    );
    println!("candidates that gave up     {gave_up}");
    println!("sqlite integrity_check      {}", report.integrity);
    println!(
        "reconnect before the reply was announced: {}",
        if reconnected.in_order() {
            "the draft, then the reply; after a restart the reply once and no draft"
        } else {
            "OUT OF ORDER"
        }
    );
    if report.lost + report.duplicates + report.stuck > 0
        || report.integrity != "ok"
        || gave_up > 0
        || !reconnected.in_order()
    {
        anyhow::bail!(
            "the drill found lost, duplicated or stuck work; its database is kept at {}",
            db_path.display()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// One scripted candidate: signs up, then plays interviews until the kills are done (at least
/// one). Returns each interview with the keys of the messages the server confirmed.
async fn candidate(
    base: &str,
    n: usize,
    sent: &AtomicUsize,
    killing: &std::sync::atomic::AtomicBool,
) -> anyhow::Result<Vec<(String, Vec<String>)>> {
    let client = signed_in(base, &format!("drill{n}@rehearse.local")).await?;
    let mut played = Vec::new();
    for round in 0.. {
        played.push(interview(&client, base, &format!("{n}-{round}"), sent).await?);
        if !killing.load(Ordering::SeqCst) {
            break;
        }
    }
    Ok(played)
}
