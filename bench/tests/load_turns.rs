//! The load bench at small scale (the full run is `rehearse-bench load-turns --upstream`, by
//! hand): three candidates on the fast upstream double, each holding its interview's live
//! stream, every one answered and every one's first interviewer text and first question seen
//! on the stream (the bench waits on the stream as the page does, never by polling).

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_watching_candidate_sees_the_first_text_on_the_live_stream() {
    let mut settings = rehearse_settings::load_from(
        None,
        figment::providers::Env::prefixed("REHEARSE_TEST_UNUSED_"),
    )
    .expect("default settings");
    settings.knowledge.minilm_dir =
        Some(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/models/minilm"));
    let summary =
        rehearse_bench::load::run(settings, 3, rehearse_bench::load::LoadModel::FastUpstream)
            .await
            .expect("the bench runs");
    assert_eq!(summary.errors, 0, "{summary:?}");
    assert_eq!(summary.sends_ok, 3, "{summary:?}");
    assert_eq!(summary.first_texts, 3, "{summary:?}");
    assert_eq!(summary.questions, 3, "{summary:?}");
}
