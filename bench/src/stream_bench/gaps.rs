//! Whether new arrivals slow interviews already under way: the gaps between the tokens of
//! replies already running, measured alone and while a crowd of new calls opens through the
//! same gateway and database.

use super::{bench_gateway, context, request, RUNNING, RUNNING_GAP_MS};
use crate::upstream::Upstream;
use rehearse_llm::gateway::{Gateway, GatewayEvent};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Gaps between the tokens of [`RUNNING`] slow replies: once alone, once while `crowd` new
/// calls open at the same moment through the same gateway (on the same database, so the
/// crowd's openings compete with the running replies' writes). In milliseconds.
pub async fn measure_gaps(crowd: usize) -> anyhow::Result<(Vec<u128>, Vec<u128>)> {
    let upstream = Upstream::start().await?;
    let (_dir, db) = super::fresh_db("gaps").await?;
    let gateway = bench_gateway(&upstream.origin, "ok", &db)?;
    let slow = bench_gateway(&upstream.origin, &format!("slow:{RUNNING_GAP_MS}"), &db)?;
    let alone = running_gaps(&slow, &gateway, 0).await;
    let crowded = running_gaps(&slow, &gateway, crowd).await;
    db.close().await;
    Ok((alone, crowded))
}

/// Starts [`RUNNING`] replies on `slow`; once each has its first token, opens `crowd` calls on
/// `fast` at once; returns the running replies' gaps between tokens.
async fn running_gaps(slow: &Gateway, fast: &Gateway, crowd: usize) -> Vec<u128> {
    let started = Arc::new(tokio::sync::Semaphore::new(0));
    let running: Vec<_> = (0..RUNNING)
        .map(|i| {
            let (gw, started) = (slow.clone(), started.clone());
            tokio::spawn(async move {
                let mut gaps = Vec::new();
                let Ok(mut handle) = gw.start(context(100_000 + i), request()).await else {
                    started.add_permits(1);
                    return gaps;
                };
                let mut last: Option<Instant> = None;
                while let Some(event) = handle.events.recv().await {
                    if matches!(event, GatewayEvent::Token(_)) {
                        match last {
                            Some(t) => gaps.push(t.elapsed().as_millis()),
                            None => started.add_permits(1),
                        }
                        last = Some(Instant::now());
                    }
                }
                if last.is_none() {
                    started.add_permits(1);
                }
                let _ = handle.outcome.await;
                gaps
            })
        })
        .collect();
    // The crowd arrives once every running reply is under way.
    let _ = tokio::time::timeout(
        Duration::from_secs(60),
        started.acquire_many(RUNNING as u32),
    )
    .await;
    let arriving: Vec<_> = (0..crowd)
        .map(|i| {
            let gw = fast.clone();
            tokio::spawn(async move {
                if let Ok(mut handle) = gw.start(context(200_000 + i), request()).await {
                    while handle.events.recv().await.is_some() {}
                    let _ = handle.outcome.await;
                }
            })
        })
        .collect();
    let mut gaps = Vec::new();
    for r in futures::future::join_all(running).await {
        gaps.extend(r.unwrap_or_default());
    }
    futures::future::join_all(arriving).await;
    gaps
}
