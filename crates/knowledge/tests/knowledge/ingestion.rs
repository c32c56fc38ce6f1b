//! Ingestion: a version becomes searchable all at once, a failed one leaves nothing and can be
//! retried, deleting a job description leaves no chunks (and no vectors to reuse), and a
//! question is never queued behind an ingestion's embedding.

use crate::fixture::Fixture;
use crate::{ingest, run_jobs, NO_PAY, WITH_PAY};
use rehearse_knowledge::VersionStatus;
use std::sync::atomic::Ordering;

/// The latest ready version of each job description.
async fn ready(f: &Fixture) -> Vec<rehearse_knowledge::Version> {
    f.kb.catalog().ready_latest().await.expect("list")
}

async fn ingestion_makes_a_version_searchable_all_at_once(f: Fixture) {
    let added =
        f.kb.add(None, "pasted", NO_PAY, "admin@example.com")
            .await
            .expect("accepted");
    // Queued: nothing is searchable and nothing is stored yet.
    assert!(matches!(
        f.kb.retrieve(&added.version.id, "on-call").await,
        Err(rehearse_knowledge::KbError::NotSearchable(_))
    ));
    assert_eq!(
        f.kb.store()
            .await
            .expect("store")
            .count_version(&added.version.id)
            .await
            .expect("count"),
        0
    );
    let v = run_jobs(&f, &added.version.id).await;
    assert_eq!(v.status, VersionStatus::Ready, "{:?}", v.error);
    assert!(v.chunks_total >= 4);
    assert_eq!(v.chunks_done, v.chunks_total);
    assert_eq!(v.embedded, v.chunks_total);
    assert_eq!(v.requirements.len(), 3);
    let store = f.kb.store().await.expect("store");
    assert_eq!(
        store.count_version(&v.id).await.expect("count") as i64,
        v.chunks_total
    );

    // Both searches work on the real indexes: BM25 scores are non-zero (an upstream bug made
    // them zero), and vector search finds the on-call chunk for a paraphrase.
    let text = store
        .full_text(&v.id, "Kafka consumers", 10)
        .await
        .expect("full text");
    assert!(!text.is_empty());
    assert!(
        text.iter().all(|c| c.bm25.unwrap_or(0.0) > 0.0),
        "{text:#?}"
    );
    assert!(text[0].text.contains("Kafka"));
    let r =
        f.kb.retrieve(&v.id, "How often would I be on call?")
            .await
            .expect("retrieve");
    let top = &r.ranked[0];
    assert!(top.passed, "{r:#?}");
    assert!(top.candidate.text.contains("one week in six"));
    assert!(top.candidate.cosine.unwrap_or(0.0) > 0.3);

    // The same text again: a new version whose vectors all come from the content-hash cache.
    let again =
        f.kb.add(Some(&v.jd_id), "pasted", NO_PAY, "admin@example.com")
            .await
            .expect("version 2");
    assert_eq!(again.version.version, 2);
    let v2 = run_jobs(&f, &again.version.id).await;
    assert_eq!(v2.status, VersionStatus::Ready);
    assert_eq!(v2.embedded, 0);
    assert_eq!(v2.cached, v2.chunks_total);
    // The old version stays readable and searchable on its own chunks.
    assert!(f.kb.retrieve(&v.id, "Kafka").await.is_ok());
}
every_store!(ingestion_makes_a_version_searchable_all_at_once);

async fn a_failed_ingestion_leaves_nothing_and_can_be_retried(f: Fixture) {
    f.fail.store(true, Ordering::SeqCst);
    let v = ingest(&f, NO_PAY).await;
    assert_eq!(v.status, VersionStatus::Failed);
    assert!(
        v.error
            .as_deref()
            .is_some_and(|e| e.contains("embedding server down")),
        "{:?}",
        v.error
    );
    assert_eq!(
        f.kb.store()
            .await
            .expect("store")
            .count_version(&v.id)
            .await
            .expect("count"),
        0
    );
    assert!(ready(&f).await.is_empty());
    f.fail.store(false, Ordering::SeqCst);
    f.kb.retry(&v.id).await.expect("retry");
    assert!(
        f.kb.retry(&v.id).await.is_err(),
        "only a failed version can be retried"
    );
    let v = run_jobs(&f, &v.id).await;
    assert_eq!(v.status, VersionStatus::Ready);
    assert_eq!(ready(&f).await.len(), 1);
}
every_store!(a_failed_ingestion_leaves_nothing_and_can_be_retried);

async fn deleting_a_job_description_leaves_no_chunks(f: Fixture) {
    let v = ingest(&f, NO_PAY).await;
    let store = f.kb.store().await.expect("store");
    assert!(store.count_jd(&v.jd_id).await.expect("count") > 0);
    f.kb.delete(&v.jd_id).await.expect("delete");
    assert_eq!(store.count_jd(&v.jd_id).await.expect("count"), 0);
    assert!(f.kb.catalog().list().await.expect("list").is_empty());
    assert!(ready(&f).await.is_empty());
    assert!(f.kb.retrieve(&v.id, "Kafka").await.is_err());
    // Its vectors went with its chunks: the same text added again is embedded afresh.
    let again = ingest(&f, NO_PAY).await;
    assert_eq!(again.status, VersionStatus::Ready);
    assert_eq!(again.cached, 0);
    assert_eq!(again.embedded, again.chunks_total);
}
every_store!(deleting_a_job_description_leaves_no_chunks);

/// Ingestion embeds in the background lane: while one of its batches is held inside the model,
/// the background lane is busy and the interactive one is not, and a candidate's question on
/// another version is embedded and answered meanwhile (it is never queued behind the batch).
async fn a_question_is_not_queued_behind_ingestion(f: Fixture) {
    use rehearse_llm::gateway::Lane;
    let searchable = ingest(&f, NO_PAY).await;
    f.hold.on.store(true, Ordering::SeqCst);
    let added =
        f.kb.add(None, "pasted", WITH_PAY, "admin@example.com")
            .await
            .expect("accepted");
    let ingesting = {
        let kb = f.kb.clone();
        tokio::spawn(async move { while kb.run_next_job().await.expect("job runs") {} })
    };
    let began = std::time::Instant::now();
    while f.kb.embeddings().running(Lane::Background) == 0 {
        assert!(
            began.elapsed() < std::time::Duration::from_secs(60),
            "ingestion never embedded"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(f.kb.embeddings().running(Lane::Interactive), 0);
    // A question while the batch is held: answered, and the batch still held.
    let r =
        f.kb.retrieve(&searchable.id, "How often would I be on call?")
            .await
            .expect("retrieve");
    assert!(r.ranked[0].candidate.text.contains("one week in six"));
    assert_eq!(f.kb.embeddings().running(Lane::Background), 1, "still held");
    f.hold.release(1_000);
    ingesting.await.expect("ingestion ends");
    let v = run_jobs(&f, &added.version.id).await;
    assert_eq!(v.status, VersionStatus::Ready, "{:?}", v.error);
}
every_store!(a_question_is_not_queued_behind_ingestion);
