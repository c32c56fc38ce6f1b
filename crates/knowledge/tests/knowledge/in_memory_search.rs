//! Retrieval's in-memory search: the same chunks as the store's own search after churn, and
//! caches that drop what a deleted job description left in them.

use crate::common::minilm;
use crate::fixture::Fixture;
use crate::{ingest, NO_PAY, WITH_PAY};
use rehearse_llm::embed::Embedder;

/// Retrieval searches a version's chunks in memory. After versions are added and deleted around
/// it, its nearest chunks are still exactly the store's own exact search within the version,
/// its full-text matches are the store's, and a deleted job description's index and question
/// vectors are dropped from the caches.
async fn in_memory_search_matches_the_store_after_churn(f: Fixture) {
    let v = ingest(&f, NO_PAY).await;
    let store = f.kb.store().await.expect("store");
    let embedder = minilm();
    let questions = [
        "How often would I be on call?",
        "Which search engine do you run?",
        "Kafka consumers",
        "How much holiday do I get?",
    ];
    let mut others: Vec<String> = Vec::new();
    for (round, q) in questions.iter().enumerate() {
        // Churn: another job description added, and the one before it deleted.
        let other = ingest(&f, WITH_PAY).await;
        if let Some(gone) = others.pop() {
            f.kb.delete(&gone).await.expect("delete");
        }
        others.push(other.jd_id.clone());
        let vector = embedder
            .embed(&[q.to_string()])
            .await
            .expect("embed")
            .pop()
            .expect("vector");
        let (mine, text) =
            f.kb.search_with_vector(&v.id, q, &vector)
                .await
                .expect("search");
        let exact = store.nearest(&v.id, &vector, 10).await.expect("exact");
        let ids = |c: &[rehearse_knowledge::rank::Candidate]| {
            c.iter()
                .take(10)
                .map(|c| c.chunk_id.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&mine), ids(&exact), "round {round}: {q}");
        for (a, b) in mine.iter().zip(&exact) {
            assert!(
                (a.cosine.expect("value") - b.cosine.expect("value")).abs() < 1e-4,
                "{a:?} {b:?}"
            );
        }
        let theirs = store.full_text(&v.id, q, 20).await.expect("full text");
        let mut a = ids(&text);
        let mut b = ids(&theirs);
        a.sort();
        b.sort();
        assert_eq!(a, b, "round {round}: the same chunks match {q}");
    }
    // The version's index was built by its ingestion and served every question: none read the
    // version back from the store.
    f.kb.retrieve(&v.id, "How often would I be on call?")
        .await
        .expect("retrieve");
    let stats = f.kb.cache_stats();
    let index = &stats[0];
    assert!(index.misses == 0 && index.hits >= 5, "{stats:?}");
    let asked = &stats[1];
    assert_eq!(asked.misses, 1, "{stats:?}");

    // Deleting the job description drops what the caches hold for it.
    f.kb.delete(&v.jd_id).await.expect("delete");
    f.kb.settle_caches().await;
    // What is left is the index of the one other job description still there (its ingestion
    // built it); the deleted ones' indexes and this one's question vector are gone.
    let entries: u64 = f.kb.cache_stats().iter().map(|c| c.entries).sum();
    assert_eq!(entries, 1, "{:?}", f.kb.cache_stats());
    assert!(f.kb.retrieve(&v.id, "Kafka").await.is_err());
}
every_store!(in_memory_search_matches_the_store_after_churn);
