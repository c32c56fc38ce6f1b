//! The stream benchmark at small scale (the full run is `rehearse-bench stream-bench`, by hand): five
//! replies at once through the gateway against the fast upstream double, every one with a
//! first token, no errors, and a memory figure.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stream_bench_runs_at_small_scale() {
    let f = rehearse_bench::stream_bench::measure(5)
        .await
        .expect("the bench runs");
    assert_eq!(f.errors, 0, "{f:?}");
    assert_eq!(f.gateway_ttft_ms.len(), 5, "{f:?}");
    assert_eq!(f.upstream_ttft_ms.len(), 5, "{f:?}");
    assert!(f.kib_per_stream.is_some(), "{f:?}");
    // Every call's added time is split where it was spent, by the provider's own clocks.
    assert_eq!(f.before_request_us.len(), 5, "{f:?}");
    assert_eq!(f.after_first_token_us.len(), 5, "{f:?}");
    assert_eq!(f.added_us.len(), 5, "{f:?}");
    let alone = rehearse_bench::stream_bench::openings_alone(5)
        .await
        .expect("openings");
    assert_eq!(alone.len(), 5, "every opening is admitted and timed");
}

/// Replies already running keep their pace while a crowd arrives: every gap between their
/// tokens is measured, alone and with five new calls opening at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn running_replies_are_measured_alone_and_with_a_crowd() {
    use rehearse_bench::stream_bench::{measure_gaps, RUNNING};
    let (alone, crowded) = measure_gaps(5).await.expect("the bench runs");
    // Ten tokens a reply upstream: nine gaps each.
    assert_eq!(alone.len(), RUNNING * 9, "{alone:?}");
    assert_eq!(crowded.len(), RUNNING * 9, "{crowded:?}");
}

/// Steady arrivals: five replies started 20 ms apart and held open together, every one timed
/// by the provider's clock, none failing, all five open at the peak.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn steady_arrivals_are_measured_with_every_stream_open() {
    let s = rehearse_bench::stream_bench::measure_steady(5, 50, rehearse_db::Checkpoints::Inline)
        .await
        .expect("the bench runs");
    assert_eq!(s.errors, 0, "{s:?}");
    assert_eq!(s.added_us.len(), 5, "{s:?}");
    assert_eq!(s.before_request_us.len(), 5, "{s:?}");
    // Each reply lasts twice the ramp, so the last arrival finds the other four still open.
    assert_eq!(s.peak_open, 5, "{s:?}");
    assert!(!s.added_at_full_us.is_empty(), "{s:?}");
}
