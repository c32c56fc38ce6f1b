//! The retention purge: traces older than the retention period are deleted, recent and running
//! ones kept.

use super::{insert_trace, DAY_MS};
use crate::support::{Backend, TestApp};
use rehearse_testkit::both_backends;

async fn the_retention_purge_deletes_old_traces_and_keeps_recent_ones(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.retention.trace_days = 30).await;
    let now = rehearse_db::now_ms();
    insert_trace(&app, "old", now - 31 * DAY_MS, None, None, "ok").await;
    insert_trace(&app, "old-error", now - 400 * DAY_MS, None, None, "error").await;
    insert_trace(
        &app,
        "old-running",
        now - 31 * DAY_MS,
        None,
        None,
        "running",
    )
    .await;
    insert_trace(&app, "recent", now - 29 * DAY_MS, None, None, "ok").await;
    insert_trace(&app, "fresh", now, None, None, "ok").await;

    let db = rehearse_db::Db::connect(&app.db_url)
        .await
        .expect("connect");
    let traces = rehearse_llm::trace::TraceStore::new(&db);
    assert_eq!(traces.purge_older_than(30).await.expect("purge"), 2);
    let mut kept: Vec<String> = traces
        .list(None, 100)
        .await
        .expect("list")
        .into_iter()
        .map(|t| t.call.id)
        .collect();
    kept.sort();
    assert_eq!(kept, ["fresh", "old-running", "recent"]);
    assert_eq!(traces.purge_older_than(30).await.expect("again"), 0);
    db.close().await;
}
both_backends!(the_retention_purge_deletes_old_traces_and_keeps_recent_ones);
