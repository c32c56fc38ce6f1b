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
}
