//! The stream bench's printed tables: every measurement of the parent module run in turn, one
//! table per question (burst, the gateway's per-call split, steady arrivals, openings alone,
//! gaps of running replies). Apart from the measurements so that what is measured and how it is
//! laid out for a reader change separately, and the tests call the measurements without it.

use super::{measure, measure_gaps, measure_steady, openings_alone, RUNNING, RUNNING_GAP_MS};
use crate::upstream::percentile;
use rehearse_db::Checkpoints;

/// Runs every measurement at each size in `options.streams` (steady arrivals at
/// `options.per_second`) and prints the tables.
pub async fn run(options: &super::Options) -> anyhow::Result<()> {
    let (streams, per_second) = (&options.streams, options.per_second);
    println!(
        "{:>8} {:>22} {:>22} {:>14} {:>7} {:>12}",
        "streams",
        "upstream ttft p50/p99",
        "gateway ttft p50/p99",
        "added p50/p99",
        "errors",
        "KiB/stream"
    );
    let mut split = Vec::new();
    for &n in streams {
        let f = measure(n).await?;
        split.push((
            n,
            f.before_request_us.clone(),
            f.after_first_token_us.clone(),
            f.added_us.clone(),
        ));
        let p = |v: &[u128], q| percentile(v, q).parse::<i128>().unwrap_or(0);
        println!(
            "{:>8} {:>14} / {:<5} {:>14} / {:<5} {:>6} / {:<5} {:>7} {:>12}",
            f.streams,
            percentile(&f.upstream_ttft_ms, 50),
            percentile(&f.upstream_ttft_ms, 99),
            percentile(&f.gateway_ttft_ms, 50),
            percentile(&f.gateway_ttft_ms, 99),
            p(&f.gateway_ttft_ms, 50) - p(&f.upstream_ttft_ms, 50),
            p(&f.gateway_ttft_ms, 99) - p(&f.upstream_ttft_ms, 99),
            f.errors,
            f.kib_per_stream
                .map(|k| format!("{k:.1}"))
                .unwrap_or_else(|| "-".into()),
        );
        for e in &f.first_errors {
            println!("{:>8} error: {e}", "");
        }
    }
    println!(
        "\nadded by the gateway, per call (clocks at the call, at the provider and at the caller), microseconds:"
    );
    println!(
        "{:>8} {:>26} {:>26} {:>22}",
        "streams", "before the request p50/p99", "after the token p50/p99", "added p50/p99"
    );
    for (n, before, after, added) in &split {
        println!(
            "{:>8} {:>16} / {:<7} {:>16} / {:<7} {:>12} / {:<7}",
            n,
            percentile(before, 50),
            percentile(before, 99),
            percentile(after, 50),
            percentile(after, 99),
            percentile(added, 50),
            percentile(added, 99)
        );
    }
    println!(
        "\nsteady arrivals ({per_second} a second, each reply held open past the last arrival), added by the gateway per call, microseconds;"
    );
    println!(
        "SQLite's write-ahead log checkpointed inside the commit that fills it (SQLite's default, the reference) and by a task of the pool's own (ours):"
    );
    println!(
        "{:>8} {:>11} {:>9} {:>7} {:>22} {:>26} {:>24}",
        "streams",
        "checkpoints",
        "peak open",
        "errors",
        "added p50/p99",
        "added at >=90% open p50/p99",
        "before request p50/p99"
    );
    for &n in streams {
        for checkpoints in [Checkpoints::Inline, Checkpoints::Background] {
            let s = measure_steady(n, per_second, checkpoints).await?;
            println!(
                "{:>8} {:>11} {:>9} {:>7} {:>12} / {:<7} {:>16} / {:<7} {:>14} / {:<7}",
                n,
                checkpoints.as_str(),
                s.peak_open,
                s.errors,
                percentile(&s.added_us, 50),
                percentile(&s.added_us, 99),
                percentile(&s.added_at_full_us, 50),
                percentile(&s.added_at_full_us, 99),
                percentile(&s.before_request_us, 50),
                percentile(&s.before_request_us, 99)
            );
            for e in &s.first_errors {
                println!("{:>8} error: {e}", "");
            }
            let slowest: Vec<String> = s
                .slowest
                .iter()
                .map(|(i, at_ms, us)| format!("#{i} at {at_ms} ms: {us}"))
                .collect();
            println!(
                "{:>8} slowest (call, start after the first arrival, microseconds added): {}",
                "",
                slowest.join(", ")
            );
        }
    }
    for &n in streams {
        let alone = openings_alone(n).await?;
        println!(
            "{n} openings alone (trace rows and reservations, no HTTP), all at once: p50 {} / p99 {} microseconds",
            percentile(&alone, 50),
            percentile(&alone, 99)
        );
    }
    println!(
        "\n{:>8} {:>8} {:>14} {:>28}",
        "running", "crowd", "upstream gap", "gap out of the gateway p50/p99"
    );
    for &n in streams {
        let f = measure_gaps(n).await?;
        for (crowd, gaps) in [(0, &f.0), (n, &f.1)] {
            println!(
                "{:>8} {:>8} {:>11} ms {:>20} / {:<5}",
                RUNNING,
                crowd,
                RUNNING_GAP_MS,
                percentile(gaps, 50),
                percentile(gaps, 99)
            );
        }
    }
    Ok(())
}
