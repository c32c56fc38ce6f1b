//! A live stream reconnected while the interviewer's reply is committed but not yet announced,
//! against the real server process held at that moment by a fault point (the fault drill runs
//! the same check before its kills): the draft comes before the reply it drafted, and after the
//! server is killed there and started again the reply comes once, with no draft.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reconnect_before_the_reply_is_announced_gets_the_draft_first() {
    let exe = std::path::PathBuf::from(env!("CARGO_BIN_EXE_rehearse-bench"));
    let models = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/models");
    let seen = rehearse_bench::drill::reconnect::run(exe, models)
        .await
        .expect("the check runs");
    assert!(seen.in_order(), "{seen:#?}");
}
