//! Whether an answer is about the requirement, by meaning rather than by keywords: the
//! candidate's sentences, the requirement, its key points and the question are embedded with
//! the MiniLM model the knowledge base already runs, and compared by cosine similarity. A strong
//! answer in the candidate's own words scores as well as one that repeats the job description's
//! terms, and a list of those terms gains nothing from them.
//!
//! Without an embedding model (none configured, or it failed) the same comparisons fall back to
//! shared word stems, and the report says it was scored on that degraded path.

use rehearse_knowledge::terms;
use rehearse_llm::gateway::{EmbedContext, Embeddings};
use std::collections::HashMap;

/// What the report's scoring embeds texts with. In the service it is [`Charged`]: the gateway's
/// embedding model, each call charged to the interview and traced. The seam lets the scoring
/// calibration run on the bare model, with no database.
#[async_trait::async_trait]
pub trait EmbedTexts: Send + Sync {
    async fn embed_texts(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, String>;
}

/// The gateway's embedding model with the interview it is charged to.
pub struct Charged<'a> {
    pub embeddings: &'a Embeddings,
    pub ctx: EmbedContext,
}

#[async_trait::async_trait]
impl EmbedTexts for Charged<'_> {
    async fn embed_texts(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, String> {
        self.embeddings
            .embed(self.ctx.clone(), texts)
            .await
            .map_err(|e| e.to_string())
    }
}

/// Texts compared by meaning: one vector per distinct text, computed once per report.
pub struct Meaning {
    vectors: Option<HashMap<String, Vec<f32>>>,
}

impl Meaning {
    /// Embeds `texts` with `embedder`; on any failure (or without one) the comparisons below
    /// use shared stems instead, and [`Meaning::degraded`] says so.
    pub async fn of(embedder: Option<&dyn EmbedTexts>, texts: Vec<String>) -> Meaning {
        let Some(embedder) = embedder else {
            return Meaning { vectors: None };
        };
        let mut distinct: Vec<String> = Vec::new();
        for t in texts {
            if !distinct.contains(&t) {
                distinct.push(t);
            }
        }
        // Small batches: MiniLM pads a batch to its longest text.
        let mut vectors = HashMap::new();
        for batch in distinct.chunks(16) {
            match embedder.embed_texts(batch).await {
                Ok(found) if found.len() == batch.len() => {
                    vectors.extend(batch.iter().cloned().zip(found));
                }
                Ok(_) | Err(_) => {
                    tracing::warn!("the embedding model failed; scoring by shared words");
                    return Meaning { vectors: None };
                }
            }
        }
        Meaning {
            vectors: Some(vectors),
        }
    }

    /// True when the comparisons fell back to shared stems.
    pub fn degraded(&self) -> bool {
        self.vectors.is_none()
    }

    /// How close `a` and `b` are in meaning, 0..=1 (cosine, floored at 0).
    pub fn similarity(&self, a: &str, b: &str) -> f32 {
        match &self.vectors {
            Some(v) => match (v.get(a), v.get(b)) {
                (Some(x), Some(y)) => x.iter().zip(y).map(|(p, q)| p * q).sum::<f32>().max(0.0),
                _ => lexical(a, b),
            },
            None => lexical(a, b),
        }
    }

    /// The similarity below which an answer is not about a text at all, the one from which it
    /// fully is, and the one at which a sentence speaks to one of a requirement's points. The
    /// scales differ: MiniLM gives an answer on the subject, in any words, 0.2 to 0.8 against
    /// the requirement and an unrelated text under 0.1; shared stems run from 0 to 1.
    pub fn scale(&self) -> Scale {
        if self.degraded() {
            Scale {
                off: 0.05,
                on: 0.35,
                point: 0.2,
            }
        } else {
            Scale {
                off: 0.10,
                on: 0.30,
                point: 0.25,
            }
        }
    }
}

/// See [`Meaning::scale`].
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    pub off: f32,
    pub on: f32,
    pub point: f32,
}

/// The share of `b`'s content stems that `a` uses.
fn lexical(a: &str, b: &str) -> f32 {
    let theirs = terms::content_stems(b);
    if theirs.is_empty() {
        return 0.0;
    }
    let ours = terms::content_stems(a);
    let shared = theirs
        .iter()
        .filter(|t| {
            ours.iter()
                .any(|o| o == *t || o.starts_with(t.as_str()) && t.len() >= 4)
        })
        .count();
    shared as f32 / theirs.len() as f32
}

/// The points a requirement is made of: "Design PostgreSQL schemas, indexes and transactions
/// for high write volume" gives "Design PostgreSQL schemas", "indexes", "transactions" and "high
/// write volume". A requirement with one point gives itself.
pub fn key_points(requirement: &str) -> Vec<String> {
    let mut parts = vec![requirement.to_owned()];
    for sep in [":", ";", ",", " and ", " or ", " with ", " for ", " in "] {
        parts = parts
            .iter()
            .flat_map(|p| p.split(sep).map(str::to_owned).collect::<Vec<_>>())
            .collect();
    }
    let points: Vec<String> = parts
        .into_iter()
        .map(|p| p.trim().trim_end_matches('.').to_owned())
        .filter(|p| !terms::content_stems(p).is_empty())
        .collect();
    if points.is_empty() {
        vec![requirement.to_owned()]
    } else {
        points
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_points_split_a_requirement() {
        assert_eq!(
            key_points("Design PostgreSQL schemas, indexes and transactions for high write volume"),
            vec![
                "Design PostgreSQL schemas",
                "indexes",
                "transactions",
                "high write volume"
            ]
        );
        assert_eq!(key_points("Strong Go"), vec!["Strong Go"]);
    }

    #[tokio::test]
    async fn without_a_model_the_comparison_is_by_stems_and_says_so() {
        let m = Meaning::of(None, vec![]).await;
        assert!(m.degraded());
        assert!(m.similarity("we added an index per query", "indexes") > 0.9);
        assert_eq!(m.similarity("bananas", "indexes"), 0.0);
    }
}
