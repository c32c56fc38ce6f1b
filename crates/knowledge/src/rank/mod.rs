//! From two ranked lists to an answerable context: reciprocal-rank fusion of the vector and
//! full-text results, a second-stage reranker, then relevance thresholds. Every stage's score
//! is kept on the result so the admin page and the traces can show why a chunk was (not) used.
//!
//! The reranker is a documented feature scorer, not a cross-encoder (none can be had offline
//! here): it blends the cosine similarity, how many of the question's content words the chunk
//! covers (its text and its heading), and saturated BM25. On the labelled eval set it beats
//! fusion alone on recall@5 and MRR (`rehearse-bench eval` prints both). One ordering rule
//! comes before the score: asked "which" of a category, the chunks that name a member of it come
//! first, so the admin page may show a lower score above a higher one for such a question.

use crate::terms;
use serde::{Deserialize, Serialize};

mod topics;

use topics::{has_evidence, required_evidence};

/// The rank constant of reciprocal-rank fusion (the usual 60).
pub const RRF_K: f64 = 60.0;

/// A chunk found by either search, with what each search said about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub chunk_id: String,
    pub position: usize,
    pub section: String,
    pub text: String,
    /// Cosine similarity with the question (vector search), when it ranked the chunk.
    pub cosine: Option<f32>,
    /// BM25 score (full-text search), when it matched the chunk.
    pub bm25: Option<f32>,
    /// Chunks whose text was flagged as instructions to a model are never used as evidence.
    pub flagged: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scored {
    pub candidate: Candidate,
    pub vector_rank: Option<usize>,
    pub text_rank: Option<usize>,
    pub rrf: f64,
    pub coverage: f64,
    pub rerank: f64,
    /// Whether it passed the thresholds and may be cited.
    pub passed: bool,
    /// Whether it passed only on a second look: the chunk scored under the relevance floors
    /// and one of its own lines answers ([`pass_vouched`]). Shown on the admin page and in the
    /// trace, so a passing chunk with a low score explains itself.
    #[serde(default)]
    pub second_look: bool,
    /// Why not, when it did not.
    pub reason: Option<Refusal>,
}

/// Why a chunk may not be cited. Its words (`Display`) are what the admin page and the
/// retrieval trace show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// The chunk reads as instructions to a model: stored as data, never evidence.
    Flagged,
    /// Its cosine with the question is under the floor given.
    CosineBelow(f32),
    /// Its reranker score is under the floor given.
    RelevanceBelow(f64),
    /// The question asks about a guarded topic (pay, the place of work) that the chunk states
    /// nothing of.
    TopicUnstated(String),
    /// As many better chunks as may be cited passed before it.
    NotAmongBest(usize),
}

impl Refusal {
    /// Whether the chunk failed on a relevance floor, the one refusal a second look at its
    /// lines may overturn ([`near_misses`]; the topic guard is read there again, since the
    /// floors are decided first).
    pub fn on_a_floor(&self) -> bool {
        matches!(self, Refusal::CosineBelow(_) | Refusal::RelevanceBelow(_))
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Flagged => f.write_str("the chunk reads as instructions to a model"),
            Refusal::CosineBelow(floor) => write!(f, "cosine below {floor:.2}"),
            Refusal::RelevanceBelow(floor) => write!(f, "relevance below {floor:.2}"),
            Refusal::TopicUnstated(topic) => write!(
                f,
                "the question asks about {topic} and the chunk states none of it"
            ),
            Refusal::NotAmongBest(n) => write!(f, "only the best {n} are cited"),
        }
    }
}

/// The thresholds a chunk must pass to be used as evidence.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// Minimum reranker score.
    pub min_rerank: f64,
    /// Minimum cosine similarity, whatever the other scores say.
    pub min_cosine: f32,
    /// At most this many chunks are cited.
    pub max_cited: usize,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            min_rerank: 0.2,
            min_cosine: 0.12,
            max_cited: 3,
        }
    }
}

/// Reciprocal-rank fusion of ranked id lists: sum of 1 / (k + rank) over the lists an id is in.
pub fn rrf(lists: &[Vec<String>], k: f64) -> Vec<(String, f64)> {
    let mut scores: Vec<(String, f64)> = Vec::new();
    for list in lists {
        for (rank, id) in list.iter().enumerate() {
            let add = 1.0 / (k + rank as f64 + 1.0);
            match scores.iter_mut().find(|(i, _)| i == id) {
                Some((_, s)) => *s += add,
                None => scores.push((id.clone(), add)),
            }
        }
    }
    scores.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    scores
}

/// Share of the question's content stems found in the chunk's text or heading (a member of a
/// category the question names counts as the category: [`crate::categories`]). [`rank`] passes
/// the question as [`terms::plain_question`] reads it.
pub fn coverage(question: &str, candidate: &Candidate) -> f64 {
    let asked = terms::content_stems(question);
    if asked.is_empty() {
        return 0.0;
    }
    let have = crate::categories::passage_stems(&candidate.section, &candidate.text);
    let hits = asked
        .iter()
        .filter(|a| crate::categories::covers(a, &have))
        .count();
    hits as f64 / asked.len() as f64
}

/// The second-stage score in [0, 0.9]: 0.7 cosine + 0.1 coverage + 0.1 saturated BM25. The
/// weights were chosen by a grid search on the eval set (see the README for the caveat).
pub fn rerank_score(cosine: f32, coverage: f64, bm25: Option<f32>) -> f64 {
    let bm = bm25
        .map(|b| f64::from(b) / (f64::from(b) + 2.0))
        .unwrap_or(0.0);
    0.7 * f64::from(cosine.max(0.0)) + 0.1 * coverage + 0.1 * bm
}

/// Fuses, reranks and thresholds candidates that came from the vector list (`by_vector`, best
/// first) and the full-text list (`by_text`, best first). Returns every candidate, best first;
/// the ones that may be cited have `passed`.
pub fn rank(
    question: &str,
    by_vector: &[Candidate],
    by_text: &[Candidate],
    thresholds: Thresholds,
    rerank: bool,
) -> Vec<Scored> {
    let ids = |list: &[Candidate]| list.iter().map(|c| c.chunk_id.clone()).collect::<Vec<_>>();
    let fused = rrf(&[ids(by_vector), ids(by_text)], RRF_K);
    // The guard reads the whole question ("I earn £60k. Would you match that?" is about pay);
    // coverage and the category asked read what the question asks (`terms::plain_question`).
    let evidence = topic_asked(question);
    let question = &terms::plain_question(question);
    let mut out: Vec<Scored> = fused
        .into_iter()
        .filter_map(|(id, rrf_score)| {
            let v = by_vector.iter().position(|c| c.chunk_id == id);
            let t = by_text.iter().position(|c| c.chunk_id == id);
            let mut candidate = v
                .map(|i| by_vector[i].clone())
                .or_else(|| t.map(|i| by_text[i].clone()))?;
            if candidate.bm25.is_none() {
                candidate.bm25 = t.and_then(|i| by_text[i].bm25);
            }
            if candidate.cosine.is_none() {
                candidate.cosine = v.and_then(|i| by_vector[i].cosine);
            }
            let cov = coverage(question, &candidate);
            let score = rerank_score(candidate.cosine.unwrap_or(0.0), cov, candidate.bm25);
            Some(Scored {
                candidate,
                vector_rank: v.map(|i| i + 1),
                text_rank: t.map(|i| i + 1),
                rrf: rrf_score,
                coverage: cov,
                rerank: score,
                passed: false,
                second_look: false,
                reason: None,
            })
        })
        .collect();
    if rerank {
        out.sort_by(|a, b| {
            b.rerank
                .total_cmp(&a.rerank)
                .then_with(|| b.rrf.total_cmp(&a.rrf))
        });
        // Asked "which CI system", a chunk that names one ("Buildkite"), or says there is
        // none, comes before the chunks that only talk about CI, whatever their scores: it is
        // the one that answers. The sort is stable, so each group keeps the score order above.
        if let Some(c) = crate::categories::asked_for(question) {
            out.sort_by_cached_key(|s| !crate::categories::answers_which(&c, &s.candidate.text));
        }
    }
    decide(&mut out, evidence, thresholds, &[]);
    out
}

/// The chunks worth reading line by line when none passed: the best `n` that failed only on the
/// relevance floors. A flagged chunk, or one the topic guard refused, is never among them.
pub fn near_misses<'a>(question: &str, ranked: &'a [Scored], n: usize) -> Vec<&'a Scored> {
    let evidence = topic_asked(question);
    ranked
        .iter()
        .filter(|s| s.reason.as_ref().is_some_and(Refusal::on_a_floor))
        .filter(|s| evidence.is_none_or(|t| has_evidence(&evidence_text(s), t)))
        .take(n)
        .collect()
}

/// Decides again which chunks may be cited, with the relevance floors waived for the chunks in
/// `vouched`: a whole chunk's vector blurs a line that answers among lines that do not, so a
/// chunk one of whose lines the caller found to answer ([`crate::compose::vouched`]) is not
/// kept out by its chunk-level scores. Everything else (flagged chunks, the topic guard, the
/// most that may be cited) is decided as in [`rank`]; the order does not change.
pub fn pass_vouched(
    question: &str,
    ranked: &mut [Scored],
    thresholds: Thresholds,
    vouched: &[String],
) {
    let evidence = topic_asked(question);
    decide(ranked, evidence, thresholds, vouched);
}

/// The guarded topic a question asks about, read from the whole question (the asker's own
/// sentences included), with paying for a cost read as covering it.
fn topic_asked(question: &str) -> Option<&'static topics::Topic> {
    required_evidence(&terms::paying_for_a_cost_as_cover(question))
}

/// The text the topic guard reads: a chunk's heading and body.
fn evidence_text(s: &Scored) -> String {
    format!("{} {}", s.candidate.section, s.candidate.text)
}

/// Marks, best first, the chunks that may be cited and why the others may not.
fn decide(
    out: &mut [Scored],
    evidence: Option<&topics::Topic>,
    thresholds: Thresholds,
    vouched: &[String],
) {
    let mut cited = 0;
    for s in out.iter_mut() {
        let under_a_floor = if s.candidate.cosine.unwrap_or(0.0) < thresholds.min_cosine {
            Some(Refusal::CosineBelow(thresholds.min_cosine))
        } else if s.rerank < thresholds.min_rerank {
            Some(Refusal::RelevanceBelow(thresholds.min_rerank))
        } else {
            None
        };
        let second_look = under_a_floor.is_some() && vouched.contains(&s.candidate.chunk_id);
        let reason = if s.candidate.flagged {
            Some(Refusal::Flagged)
        } else if let Some(floor) = under_a_floor.filter(|_| !second_look) {
            Some(floor)
        } else if let Some(topic) = evidence.filter(|t| !has_evidence(&evidence_text(s), t)) {
            Some(Refusal::TopicUnstated(topic.name.to_owned()))
        } else if cited >= thresholds.max_cited {
            Some(Refusal::NotAmongBest(thresholds.max_cited))
        } else {
            None
        };
        s.passed = reason.is_none();
        s.second_look = s.passed && second_look;
        if s.passed {
            cited += 1;
        }
        s.reason = reason;
    }
}

#[cfg(test)]
mod tests;
