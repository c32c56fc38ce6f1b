//! The knowledge base as the rest of the product uses it: add and version job descriptions
//! (each version queues its ingestion in the durable job table), retrieve for a question, and
//! answer from the retrieved chunks with citations and a grounding check. The ingestion
//! pipeline and the job runner are in the `ingest` module; retrieval and answering in `search`.

use crate::catalog::{Catalog, JobDescription, Version, VersionStatus, VersionText};
pub use crate::compose::{compose, compose_with, LineMeaning};
use crate::extract::{self, ExtractError};
use crate::grounding::Grounding;
use crate::rank::{self, Scored, Thresholds};
use crate::requirements;
use crate::store::{ChunkStore, Location, StoreError};
use rehearse_db::{DbError, JobQueue};
use rehearse_llm::gateway::{Embeddings, GatewayError};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tokio::sync::OnceCell;

use crate::caches::{CacheStats, Caches};

use crate::jobs::PurgeJob;
pub use crate::jobs::{INGEST_JOB, PURGE_JOB};

pub const NOT_STATED: &str = "The job description does not state that.";

#[derive(Debug, thiserror::Error)]
pub enum KbError {
    /// Bad input from an admin: the message says what to do.
    #[error("{0}")]
    Invalid(String),
    #[error("no such job description or version")]
    NotFound,
    #[error("this version is not searchable yet ({0})")]
    NotSearchable(String),
    #[error("the embedding model is unavailable: {0}")]
    Embedding(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<ExtractError> for KbError {
    fn from(e: ExtractError) -> Self {
        KbError::Invalid(e.to_string())
    }
}

#[derive(Debug, Clone)]
pub struct KnowledgeConfig {
    pub location: Location,
    /// Largest upload or paste accepted, in bytes.
    pub max_upload_bytes: usize,
    pub thresholds: Thresholds,
    /// How many chunks each search returns before fusion.
    pub search_k: usize,
    /// Texts per embedding call.
    pub embed_batch: usize,
}

impl KnowledgeConfig {
    pub fn embedded(dir: std::path::PathBuf) -> Self {
        KnowledgeConfig {
            location: Location::Embedded(dir),
            max_upload_bytes: 256 * 1024,
            thresholds: Thresholds::default(),
            search_k: 20,
            embed_batch: 32,
        }
    }
}

#[derive(Clone)]
pub struct KnowledgeBase {
    pub(crate) catalog: Catalog,
    pub(crate) jobs: JobQueue,
    pub(crate) config: KnowledgeConfig,
    /// The embedding model, through the gateway's ceilings and traces.
    embeddings: Embeddings,
    store: Arc<OnceCell<ChunkStore>>,
    /// One storing of a built-in job description at a time (see [`crate::built_in`]).
    pub(crate) built_in_lock: Arc<tokio::sync::Mutex<()>>,
    /// Versions' in-memory search indexes and question vectors.
    pub(crate) caches: Caches,
}

/// What retrieval found for a question, every stage's score included.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Retrieval {
    pub question: String,
    pub ranked: Vec<Scored>,
}

impl Retrieval {
    pub fn passed(&self) -> impl Iterator<Item = &Scored> {
        self.ranked.iter().filter(|s| s.passed)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Citation {
    /// 1-based marker used in the answer text: `[1]`.
    pub marker: usize,
    pub chunk_id: String,
    pub section: String,
    /// The chunk's full text, shown when the candidate opens the citation.
    pub text: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Answer {
    pub text: String,
    pub citations: Vec<Citation>,
    pub grounding: Grounding,
    /// Held from the candidate (failed the grounding check); `flags` say why.
    pub held: bool,
    pub flags: Vec<String>,
    pub retrieval: Retrieval,
}

/// Outcome of adding a job description or a version.
#[derive(Debug, Clone)]
pub struct Added {
    pub jd: JobDescription,
    pub version: Version,
}

impl KnowledgeBase {
    pub fn new(db: &rehearse_db::Db, config: KnowledgeConfig, embeddings: Embeddings) -> Self {
        KnowledgeBase {
            catalog: Catalog::new(db),
            jobs: JobQueue::new(db),
            config,
            embeddings,
            store: Arc::new(OnceCell::new()),
            built_in_lock: Arc::default(),
            caches: Caches::new(),
        }
    }

    /// Each cache's size, hits and misses (for the admin page).
    pub fn cache_stats(&self) -> Vec<CacheStats> {
        self.caches.stats()
    }

    /// Drops what the caches hold for these versions, as a restarted process starts: the
    /// benchmark times a version's first question after a restart this way.
    pub fn forget_cached(&self, versions: &[String]) {
        self.caches.forget_versions(versions);
    }

    /// Runs the caches' pending evictions, so their entry counts are current (for tests).
    pub async fn settle_caches(&self) {
        self.caches.indexes.settle().await;
        self.caches.questions.settle().await;
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Version `version_id` as the catalog has it now, or [`KbError::NotFound`]: the lookup
    /// every step on one version (ingest, search, edit, retry) starts with.
    pub(crate) async fn known_version(&self, version_id: &str) -> Result<Version, KbError> {
        self.catalog
            .version(version_id)
            .await?
            .ok_or(KbError::NotFound)
    }

    /// Job description `jd_id` unless it is unknown or deleted ([`KbError::NotFound`]).
    async fn live_jd(&self, jd_id: &str) -> Result<JobDescription, KbError> {
        self.catalog
            .get(jd_id)
            .await?
            .filter(|j| j.deleted_at.is_none())
            .ok_or(KbError::NotFound)
    }

    pub fn config(&self) -> &KnowledgeConfig {
        &self.config
    }

    /// The embedding model (loaded on first use), every call charged and traced.
    pub fn embeddings(&self) -> &Embeddings {
        &self.embeddings
    }

    pub async fn store(&self) -> Result<&ChunkStore, KbError> {
        let dims = self.embeddings.dimensions().await.map_err(embedding)?;
        Ok(self
            .store
            .get_or_try_init(|| ChunkStore::open(&self.config.location, dims))
            .await?)
    }

    /// Validates text (pasted, or extracted from a file), derives the requirements and records
    /// a new job description, or a new version of `jd_id`; ingestion runs in the background.
    pub async fn add(
        &self,
        jd_id: Option<&str>,
        source: &str,
        text: &str,
        by: &str,
    ) -> Result<Added, KbError> {
        let body = extract::extract_pasted(text, self.config.max_upload_bytes)?;
        self.add_checked(jd_id, source, body, by).await
    }

    /// As [`add`](Self::add), for an uploaded file.
    pub async fn add_file(
        &self,
        jd_id: Option<&str>,
        name: &str,
        bytes: Vec<u8>,
        by: &str,
    ) -> Result<Added, KbError> {
        let limit = self.config.max_upload_bytes;
        let file = name.to_owned();
        let body = tokio::task::spawn_blocking(move || extract::extract_file(&file, &bytes, limit))
            .await
            .map_err(|e| KbError::Invalid(format!("The file could not be read: {e}")))??;
        let source: String = name.chars().filter(|c| !c.is_control()).take(120).collect();
        self.add_checked(jd_id, &source, body, by).await
    }

    async fn add_checked(
        &self,
        jd_id: Option<&str>,
        source: &str,
        body: String,
        by: &str,
    ) -> Result<Added, KbError> {
        let reqs =
            requirements::derive_from_text(&body).map_err(|e| KbError::Invalid(e.to_string()))?;
        let title = requirements::title(&body);
        let text = VersionText {
            title: &title,
            source,
            body: &body,
            requirements: &reqs,
            by,
        };
        let added = match jd_id {
            None => {
                let (jd, version) = self.catalog.create(text).await?;
                Added { jd, version }
            }
            Some(id) => {
                let jd = self.live_jd(id).await?;
                let version = self.catalog.add_version(id, text).await?;
                Added { jd, version }
            }
        };
        // The catalog queued its ingestion in the same transaction.
        Ok(added)
    }

    /// Saves an admin's edit of a version's requirements (edited, merged or dropped) as a new
    /// version with the same text; interviews already started keep the version they pinned.
    pub async fn edit_requirements(
        &self,
        version_id: &str,
        lines: &[String],
        by: &str,
    ) -> Result<Added, KbError> {
        let v = self.known_version(version_id).await?;
        let jd = self.live_jd(&v.jd_id).await?;
        let reqs = requirements::from_lines(&v.body, lines).map_err(KbError::Invalid)?;
        let source: String = format!(
            "{} (requirements edited)",
            v.source.trim_end_matches(" (requirements edited)")
        )
        .chars()
        .take(120)
        .collect();
        let text = VersionText {
            title: &v.title,
            source: &source,
            body: &v.body,
            requirements: &reqs,
            by,
        };
        let version = self.catalog.add_version(&jd.id, text).await?;
        Ok(Added { jd, version })
    }

    /// Queues a failed version for another ingestion attempt.
    pub async fn retry(&self, version_id: &str) -> Result<Version, KbError> {
        let v = self.known_version(version_id).await?;
        if v.status != VersionStatus::Failed {
            return Err(KbError::Invalid(format!(
                "Only a failed version can be retried; this one is {}.",
                v.status.as_str()
            )));
        }
        self.catalog.requeue(version_id).await?;
        Ok(Version {
            status: VersionStatus::Queued,
            error: None,
            ..v
        })
    }

    /// Deletes a job description: hidden at once, its chunks removed now or, if the store is
    /// down, by a durable purge job.
    pub async fn delete(&self, jd_id: &str) -> Result<(), KbError> {
        self.catalog.get(jd_id).await?.ok_or(KbError::NotFound)?;
        self.catalog.mark_deleted(jd_id).await?;
        self.forget(jd_id).await?;
        let purged = match self.store().await {
            Ok(store) => {
                // The embedded store can refuse a delete that clashes with its own index
                // work; a moment later it goes through. Only a store that keeps refusing is
                // left to the purge job.
                let mut done = false;
                for attempt in 0..3u64 {
                    match store.delete_jd(jd_id).await {
                        Ok(()) => {
                            done = true;
                            break;
                        }
                        Err(e) => {
                            tracing::warn!(jd = %jd_id, attempt, error = %e, "could not delete chunks");
                            tokio::time::sleep(std::time::Duration::from_millis(50 << attempt))
                                .await;
                        }
                    }
                }
                done
            }
            Err(_) => false,
        };
        if !purged {
            self.jobs
                .push(&PurgeJob {
                    jd_id: jd_id.to_owned(),
                })
                .await?;
        }
        Ok(())
    }

    /// A version's chunks in order (for the admin page).
    pub async fn chunks(&self, version_id: &str) -> Result<Vec<rank::Candidate>, KbError> {
        Ok(self.store().await?.chunks(version_id).await?)
    }
}

/// An embedding call that failed or was refused (a ceiling, the model unavailable).
pub(crate) fn embedding(e: GatewayError) -> KbError {
    KbError::Embedding(e.to_string())
}
