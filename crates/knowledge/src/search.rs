//! Retrieval for a question within one searchable version, and the meaning of each line of the
//! chunks that pass: the version's in-memory index and the question's vector, both cached
//! ([`crate::caches`]), and the rank stage over them.

use crate::caches::normalise_question;
use crate::compose::{compose_with, LineMeaning};
use crate::kb::{embedding, Answer, KbError, KnowledgeBase, Retrieval};
use crate::rank::{self, Thresholds};
use crate::store::StoreError;
use crate::version_index::VersionIndex;
use crate::VersionStatus;
use rehearse_llm::embed::cosine;
use rehearse_llm::gateway::EmbedContext;
use std::sync::Arc;

impl KnowledgeBase {
    /// Drops what the caches hold for a deleted job description's versions.
    pub(crate) async fn forget(&self, jd_id: &str) -> Result<(), KbError> {
        let versions: Vec<String> = self
            .catalog
            .versions(jd_id)
            .await?
            .into_iter()
            .map(|v| v.id)
            .collect();
        self.caches.forget_versions(&versions);
        Ok(())
    }

    /// A searchable version's in-memory index, built from the store on first use.
    async fn index(&self, version_id: &str) -> Result<Arc<VersionIndex>, KbError> {
        self.caches
            .indexes
            .get_or_load(version_id, "", async {
                let rows = self.store().await?.version_rows(version_id).await?;
                Ok::<_, KbError>(Arc::new(VersionIndex::build(rows)))
            })
            .await
            .map_err(shared)
    }

    /// The question's vector, embedded once per (version, normalised question).
    async fn question_vector(
        &self,
        version_id: &str,
        question: &str,
    ) -> Result<Arc<Vec<f32>>, KbError> {
        self.caches
            .questions
            .get_or_load(version_id, &normalise_question(question), async {
                self.embeddings()
                    .embed(
                        EmbedContext::unattributed("embed_question"),
                        &[question.to_owned()],
                    )
                    .await
                    .map_err(embedding)?
                    .pop()
                    .map(Arc::new)
                    .ok_or_else(|| KbError::Embedding("no vector returned".into()))
            })
            .await
            .map_err(shared)
    }

    /// Hybrid retrieval for a question within one searchable version.
    pub async fn retrieve(&self, version_id: &str, question: &str) -> Result<Retrieval, KbError> {
        self.retrieve_with(version_id, question, self.config.thresholds, true)
            .await
    }

    /// Retrieval with explicit thresholds and reranking on or off (the eval compares both).
    pub async fn retrieve_with(
        &self,
        version_id: &str,
        question: &str,
        thresholds: Thresholds,
        rerank: bool,
    ) -> Result<Retrieval, KbError> {
        let question: String = question.chars().take(1000).collect();
        let (by_vector, by_text) = self.candidates(version_id, &question).await?;
        Ok(Retrieval {
            ranked: rank::rank(&question, &by_vector, &by_text, thresholds, rerank),
            question,
        })
    }

    /// The two first-stage lists for a question: nearest chunks by vector, and full-text
    /// matches by BM25, both within one searchable version.
    pub async fn candidates(
        &self,
        version_id: &str,
        question: &str,
    ) -> Result<(Vec<rank::Candidate>, Vec<rank::Candidate>), KbError> {
        self.searchable(version_id).await?;
        let question: String = question.chars().take(1000).collect();
        let question = crate::terms::with_job_description_words(&question);
        let q = self.question_vector(version_id, &question).await?;
        self.search_index(version_id, &question, &q).await
    }

    /// The two first-stage lists for a question whose vector the caller already has (the
    /// benchmark times retrieval apart from the embedding this way).
    pub async fn search_with_vector(
        &self,
        version_id: &str,
        question: &str,
        vector: &[f32],
    ) -> Result<(Vec<rank::Candidate>, Vec<rank::Candidate>), KbError> {
        self.searchable(version_id).await?;
        self.search_index(version_id, question, vector).await
    }

    /// Refuses a version that is unknown or not ready. A deleted one (its job description's
    /// versions are marked deleted with it, in the catalog every process shares) also has its
    /// cached index and vectors dropped here, so a process that did not delete it forgets it too.
    async fn searchable(&self, version_id: &str) -> Result<(), KbError> {
        let v = self.known_version(version_id).await?;
        if v.status == VersionStatus::Deleted {
            self.caches.forget_versions(std::slice::from_ref(&v.id));
        }
        if v.status != VersionStatus::Ready {
            return Err(KbError::NotSearchable(v.status.as_str().to_owned()));
        }
        Ok(())
    }

    /// Vector and full-text search in the version's in-memory index.
    async fn search_index(
        &self,
        version_id: &str,
        question: &str,
        vector: &[f32],
    ) -> Result<(Vec<rank::Candidate>, Vec<rank::Candidate>), KbError> {
        let index = self.index(version_id).await?;
        let k = self.config.search_k;
        Ok((index.nearest(vector, k), index.full_text(question, k)))
    }

    /// Answers a candidate's question about the role from the version's chunks.
    pub async fn answer(&self, version_id: &str, question: &str) -> Result<Answer, KbError> {
        let retrieval = self.retrieve(version_id, question).await?;
        let (retrieval, meaning) = self
            .settle(version_id, retrieval, self.config.thresholds)
            .await?;
        Ok(compose_with(retrieval, &meaning))
    }

    /// What composing needs beyond the retrieval: how close in meaning each line of the passing
    /// chunks is to the question. When no chunk passed, the best few that missed only the
    /// relevance floors ([`rank::near_misses`], as many as may be cited) are read line by line
    /// first, and a chunk one of whose lines vouches for it ([`crate::compose::vouched`]: it
    /// shares the question's words, and is close in meaning unless the chunk is just under the
    /// floor) passes after all. Extractive answers only: the generative mode reads its passing
    /// chunks as retrieved.
    pub async fn settle(
        &self,
        version_id: &str,
        mut retrieval: Retrieval,
        thresholds: Thresholds,
    ) -> Result<(Retrieval, LineMeaning), KbError> {
        if retrieval.passed().next().is_none() {
            let near =
                rank::near_misses(&retrieval.question, &retrieval.ranked, thresholds.max_cited);
            let lines = crate::compose::lines_of(near.iter().copied());
            let by_line = self
                .line_cosines(version_id, &retrieval.question, lines)
                .await?;
            let vouched = crate::compose::vouched(&retrieval.question, &near, &by_line, thresholds);
            if vouched.is_empty() {
                return Ok((retrieval, LineMeaning::default()));
            }
            rank::pass_vouched(
                &retrieval.question,
                &mut retrieval.ranked,
                thresholds,
                &vouched,
            );
            return Ok((retrieval, by_line));
        }
        let meaning = self.line_meaning(version_id, &retrieval).await?;
        Ok((retrieval, meaning))
    }

    /// How close in meaning each line of the passing chunks is to the question: one embedding
    /// call for the question and those lines (a few dozen short texts at most).
    pub async fn line_meaning(
        &self,
        version_id: &str,
        retrieval: &Retrieval,
    ) -> Result<LineMeaning, KbError> {
        let lines = crate::compose::passing_lines(retrieval);
        self.line_cosines(version_id, &retrieval.question, lines)
            .await
    }

    /// The cosine of each line with the question, in one embedding call for the lines (the
    /// question's vector is cached).
    async fn line_cosines(
        &self,
        version_id: &str,
        question: &str,
        lines: Vec<String>,
    ) -> Result<LineMeaning, KbError> {
        if lines.is_empty() {
            return Ok(LineMeaning::default());
        }
        let q = self
            .question_vector(
                version_id,
                &crate::terms::with_job_description_words(question),
            )
            .await?;
        let vectors = self
            .embeddings()
            .embed(EmbedContext::unattributed("embed_lines"), &lines)
            .await
            .map_err(embedding)?;
        Ok(LineMeaning::new(
            lines
                .into_iter()
                .zip(vectors.iter().map(|v| cosine(&q, v)))
                .collect(),
        ))
    }
}

/// A cache's shared load error as the caller's own: the error itself when this caller was its
/// only holder, else its message as a store failure.
fn shared(e: Arc<KbError>) -> KbError {
    Arc::try_unwrap(e).unwrap_or_else(|e| KbError::Store(StoreError::Unavailable(e.to_string())))
}
