//! What a stop leaves behind is put right at the next start, and stays readable afterwards.

use crate::support::Backend;
use rehearse_llm::trace::{CallStatus, NewTrace, TraceStore};
use rehearse_testkit::{both_backends, fresh_db};

/// A model call cut by a stop is marked interrupted, and the trace lists (the admin's, the
/// reviewer's "how it was made", a candidate's data export) still read it.
async fn a_call_cut_by_a_stop_reads_back_as_interrupted(backend: Backend) {
    let t = fresh_db(backend).await;
    let traces = TraceStore::new(&t.db);
    traces
        .start(&NewTrace {
            id: "cut".into(),
            // Older than any live call, so PostgreSQL's recovery takes it too.
            started_at: rehearse_db::now_ms() - 2 * server::recovery::ABANDONED_AFTER_MS,
            step: "phrase".into(),
            provider: "local".into(),
            model: "smollm2".into(),
            request_json: "{}".into(),
            context_ids_json: "[]".into(),
            screening_json: "{}".into(),
            ..NewTrace::default()
        })
        .await
        .expect("start the call");

    let recovered = server::recovery::after_crash(&t.db).await.expect("recover");
    assert_eq!(recovered.traces, 1);

    let listed = traces.list(None, 10).await.expect("list the traces");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].status, CallStatus::Interrupted);
    assert_eq!(
        listed[0].error.as_deref(),
        Some("the server stopped during this call")
    );
    let one = traces.get("cut").await.expect("read the trace");
    assert_eq!(one.map(|t| t.status), Some(CallStatus::Interrupted));
}
both_backends!(a_call_cut_by_a_stop_reads_back_as_interrupted);
