//! The knowledge base's caches, each bounded (moka) and counted, so an admin can see whether it
//! pays: searchable versions' in-memory indexes, and question vectors per (version, normalised
//! question). Both are dropped when their job description is deleted; a version's chunks never
//! change once it is searchable, so nothing else invalidates them.

use crate::version_index::VersionIndex;
use moka::future::Cache;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// A cache's counters as the admin page shows them.
#[derive(Debug, Clone, PartialEq)]
pub struct CacheStats {
    pub name: &'static str,
    pub entries: u64,
    pub hits: u64,
    pub misses: u64,
}

impl CacheStats {
    /// Hits over lookups; 0 before the first lookup.
    pub fn hit_rate(&self) -> f64 {
        let lookups = self.hits + self.misses;
        if lookups == 0 {
            0.0
        } else {
            self.hits as f64 / lookups as f64
        }
    }
}

/// A moka cache with hit and miss counters, keyed by a version and something within it, so a
/// job description's entries can be dropped when it is deleted.
#[derive(Clone)]
pub struct Counted<V: Clone + Send + Sync + 'static> {
    name: &'static str,
    cache: Cache<(String, String), V>,
    hits: Arc<AtomicU64>,
    misses: Arc<AtomicU64>,
}

impl<V: Clone + Send + Sync + 'static> Counted<V> {
    fn new(name: &'static str, cache: Cache<(String, String), V>) -> Self {
        Counted {
            name,
            cache,
            hits: Arc::default(),
            misses: Arc::default(),
        }
    }

    /// The cached value, or the one `load` produces (stored only when it succeeds; concurrent
    /// lookups of one key share a single load).
    pub async fn get_or_load<E, F>(&self, version: &str, key: &str, load: F) -> Result<V, Arc<E>>
    where
        E: Send + Sync + 'static,
        F: Future<Output = Result<V, E>>,
    {
        let loaded = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = loaded.clone();
        let out = self
            .cache
            .try_get_with((version.to_owned(), key.to_owned()), async move {
                flag.store(true, Ordering::Relaxed);
                load.await
            })
            .await;
        let counter = if loaded.load(Ordering::Relaxed) {
            &self.misses
        } else {
            &self.hits
        };
        counter.fetch_add(1, Ordering::Relaxed);
        out
    }

    /// Stores a value computed elsewhere (neither a hit nor a miss).
    pub async fn insert(&self, version: &str, key: &str, value: V) {
        self.cache
            .insert((version.to_owned(), key.to_owned()), value)
            .await;
    }

    /// Drops every entry of these versions.
    pub fn forget_versions(&self, versions: &[String]) {
        let versions: Vec<String> = versions.to_vec();
        // Only fails when closures are not enabled on the builder, which `Caches::new` does.
        let _ = self
            .cache
            .invalidate_entries_if(move |(v, _), _| versions.contains(v));
    }

    pub fn stats(&self) -> CacheStats {
        CacheStats {
            name: self.name,
            entries: self.cache.entry_count(),
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
        }
    }

    /// Runs pending evictions and invalidations (tests read the entry count after it).
    pub async fn settle(&self) {
        self.cache.run_pending_tasks().await;
    }
}

/// Every cache of one knowledge base.
#[derive(Clone)]
pub struct Caches {
    /// In-memory search indexes of searchable versions, weighed by their size in bytes.
    pub indexes: Counted<Arc<VersionIndex>>,
    /// Question vectors per (version, normalised question).
    pub questions: Counted<Arc<Vec<f32>>>,
}

/// Bytes of version indexes kept in memory (about 1,500 typical versions).
pub const INDEX_BYTES: u64 = 64 * 1024 * 1024;
/// Question vectors kept (384 floats each: about 15 MiB).
pub const QUESTIONS: u64 = 10_000;

impl Caches {
    pub fn new() -> Self {
        Caches {
            indexes: Counted::new(
                "job-description search indexes",
                Cache::builder()
                    .weigher(|_, v: &Arc<VersionIndex>| {
                        u32::try_from(v.weight()).unwrap_or(u32::MAX)
                    })
                    .max_capacity(INDEX_BYTES)
                    .support_invalidation_closures()
                    .build(),
            ),
            questions: Counted::new(
                "question vectors",
                Cache::builder()
                    .max_capacity(QUESTIONS)
                    .support_invalidation_closures()
                    .build(),
            ),
        }
    }

    /// Drops everything cached for these versions (their job description was deleted).
    pub fn forget_versions(&self, versions: &[String]) {
        self.indexes.forget_versions(versions);
        self.questions.forget_versions(versions);
    }

    pub fn stats(&self) -> Vec<CacheStats> {
        vec![self.indexes.stats(), self.questions.stats()]
    }
}

impl Default for Caches {
    fn default() -> Self {
        Caches::new()
    }
}

/// A question as the cache keys it: lowercased words, single-spaced, so "What's the pay?" and
/// "what's the  pay" share a vector. Sentence punctuation at a word's edges goes; the rest is
/// kept, since it can change meaning ("C++" is not "C").
pub fn normalise_question(question: &str) -> String {
    question
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| {
                matches!(c, '?' | '!' | '.' | ',' | ';' | ':' | '"' | '(' | ')')
            })
            .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hits_and_misses_are_counted_and_deletion_forgets() {
        let caches = Caches::new();
        let load = |n: f32| async move { Ok::<_, String>(Arc::new(vec![n])) };
        let a = caches.questions.get_or_load("v1", "pay", load(1.0)).await;
        assert_eq!(a.expect("value").as_slice(), &[1.0]);
        let b = caches.questions.get_or_load("v1", "pay", load(2.0)).await;
        assert_eq!(
            b.expect("value").as_slice(),
            &[1.0],
            "the second lookup is served"
        );
        caches
            .questions
            .get_or_load("v2", "pay", load(3.0))
            .await
            .expect("value");
        let s = caches.questions.stats();
        assert_eq!((s.hits, s.misses), (1, 2));
        assert!((s.hit_rate() - 1.0 / 3.0).abs() < 1e-9);

        caches.forget_versions(&["v1".to_owned()]);
        caches.questions.settle().await;
        let c = caches.questions.get_or_load("v1", "pay", load(4.0)).await;
        assert_eq!(
            c.expect("value").as_slice(),
            &[4.0],
            "a forgotten version is loaded again"
        );
        // Entry counts are brought up to date by the pending maintenance.
        caches.questions.settle().await;
        assert_eq!(caches.questions.stats().entries, 2);
    }

    #[tokio::test]
    async fn a_failed_load_is_not_stored() {
        let caches = Caches::new();
        let failed = caches
            .questions
            .get_or_load("v", "q", async { Err::<Arc<Vec<f32>>, _>("down") })
            .await;
        assert!(failed.is_err());
        let ok = caches
            .questions
            .get_or_load("v", "q", async { Ok::<_, &str>(Arc::new(vec![1.0])) })
            .await;
        assert!(ok.is_ok());
    }

    #[test]
    fn questions_normalise_case_spacing_and_edge_punctuation() {
        assert_eq!(normalise_question("  What's the PAY?? "), "what's the pay");
        assert_eq!(normalise_question("what's  the pay"), "what's the pay");
        assert_ne!(
            normalise_question("Is it C++?"),
            normalise_question("Is it C?")
        );
    }
}
