//! The ingestion pipeline and the job runner behind it: a version's text is chunked, each
//! chunk embedded unless a stored chunk already holds its vector (by content hash: only chunks
//! whose text this model has not embedded before go to the embedder, in batches), the version's
//! chunks written to the store with their vectors in one transaction, and the version made
//! searchable in one step; progress is recorded on the version as it goes.
//! [`KnowledgeBase::run_next_job`] is what the background worker calls to run one queued
//! ingestion or purge job from the durable job table.
//!
//! It lives apart from `kb` because it is the write side, run by the worker rather than by a
//! request: the request-facing knowledge base (adding, versioning, retrieval, answering) reads
//! on its own, and the pipeline can change without touching it.

use crate::catalog::VersionStatus;
use crate::chunk;
use crate::instructions;
use crate::jobs::{IngestJob, PurgeJob, INGEST_JOB, PURGE_JOB};
use crate::kb::{embedding, KbError, KnowledgeBase};
use crate::store::StoredChunk;
use crate::version_index::{IndexRow, VersionIndex};
use rehearse_llm::gateway::EmbedContext;

impl KnowledgeBase {
    /// Runs one pending ingestion or purge job; true if it ran one.
    pub async fn run_next_job(&self) -> Result<bool, KbError> {
        let Some(job) = self.jobs.claim(&[INGEST_JOB, PURGE_JOB]).await? else {
            return Ok(false);
        };
        if job.kind == PURGE_JOB {
            let purge = match job.read::<PurgeJob>() {
                Ok(p) => p,
                Err(e) => {
                    self.jobs.fail(&job, &e.to_string()).await?;
                    return Ok(true);
                }
            };
            match self.store().await {
                Ok(store) => match store.delete_jd(&purge.jd_id).await {
                    Ok(()) => self.jobs.complete(&job).await?,
                    Err(e) => {
                        self.jobs.fail(&job, &e.to_string()).await?;
                    }
                },
                Err(e) => {
                    self.jobs.fail(&job, &e.to_string()).await?;
                }
            }
            return Ok(true);
        }
        let version_id = match job.read::<IngestJob>() {
            Ok(p) => p.version_id,
            Err(e) => {
                self.jobs.fail(&job, &e.to_string()).await?;
                return Ok(true);
            }
        };
        match self.ingest(&version_id).await {
            Ok(()) => {}
            Err(e) => {
                tracing::warn!(version = %version_id, error = %e, "ingestion failed");
                // Nothing of a failed version stays searchable or half-written.
                if let Ok(store) = self.store().await {
                    let _ = store.delete_version(&version_id).await;
                }
                self.catalog
                    .set_status(&version_id, VersionStatus::Failed, Some(&e.to_string()))
                    .await?;
            }
        }
        self.jobs.complete(&job).await?;
        Ok(true)
    }

    /// Chunks, embeds (through the content-hash cache) and stores one version, then makes it
    /// searchable in one step.
    pub async fn ingest(&self, version_id: &str) -> Result<(), KbError> {
        let v = self.known_version(version_id).await?;
        if v.status == VersionStatus::Deleted {
            self.store().await?.delete_version(version_id).await?;
            return Ok(());
        }
        self.catalog
            .set_status(version_id, VersionStatus::Ingesting, None)
            .await?;
        let embeddings = self.embeddings();
        let store = self.store().await?;
        let chunks = chunk::chunk(&v.body);
        let total = chunks.len();
        if total == 0 {
            return Err(KbError::Invalid(
                "The job description produced no chunks.".into(),
            ));
        }
        let model = embeddings.model_name().await.map_err(embedding)?;
        let hashes: Vec<String> = chunks.iter().map(|c| c.content_hash(&model)).collect();
        let mut vectors = store.cached_embeddings(&hashes).await?;
        let cached = hashes.iter().filter(|h| vectors.contains_key(*h)).count();
        self.catalog
            .set_progress(version_id, 0, total, 0, cached)
            .await?;
        let missing: Vec<usize> = (0..total)
            .filter(|i| !vectors.contains_key(&hashes[*i]))
            .collect();
        let mut embedded = 0;
        for batch in missing.chunks(self.config.embed_batch.max(1)) {
            let texts: Vec<String> = batch.iter().map(|i| chunks[*i].indexed_text()).collect();
            let out = embeddings
                .embed(EmbedContext::background("embed_chunks"), &texts)
                .await
                .map_err(embedding)?;
            if out.len() != texts.len() {
                return Err(KbError::Embedding(format!(
                    "asked for {} vectors, got {}",
                    texts.len(),
                    out.len()
                )));
            }
            for (i, vec) in batch.iter().zip(out) {
                vectors.insert(hashes[*i].clone(), vec);
            }
            embedded += batch.len();
            self.catalog
                .set_progress(version_id, 0, total, embedded, cached)
                .await?;
        }
        let rows: Vec<StoredChunk> = chunks
            .iter()
            .zip(&hashes)
            .map(|(c, h)| StoredChunk {
                key: format!("{version_id}:{}", c.position),
                jd_id: v.jd_id.clone(),
                version_id: version_id.to_owned(),
                position: c.position,
                section: c.section.clone(),
                text: c.text.clone(),
                indexed: c.indexed_text(),
                hash: h.clone(),
                flagged: instructions::reads_as_instructions(&c.text),
                embedding: vectors.get(h).cloned().unwrap_or_default(),
            })
            .collect();
        store.replace_version(version_id, &rows).await?;
        let stored = store.count_version(version_id).await?;
        if stored != total {
            return Err(KbError::Invalid(format!(
                "stored {stored} of {total} chunks"
            )));
        }
        self.catalog
            .set_progress(version_id, total, total, embedded, cached)
            .await?;
        // A deletion that raced the ingestion wins.
        let now = self.known_version(version_id).await?;
        if now.status == VersionStatus::Deleted {
            store.delete_version(version_id).await?;
            return Ok(());
        }
        self.catalog
            .set_status(version_id, VersionStatus::Ready, None)
            .await?;
        // This process has everything the version's search index needs in hand: build it now,
        // so the first question does not read the version back from the store (seconds with a
        // large store loaded; see the README's benchmark).
        let index = VersionIndex::build(rows.iter().map(IndexRow::from).collect());
        self.caches
            .indexes
            .insert(version_id, "", std::sync::Arc::new(index))
            .await;
        Ok(())
    }
}
