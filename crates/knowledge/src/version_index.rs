//! One version's chunks held in memory for search: exact cosine over its vectors and BM25 over
//! its own words. A version holds tens to hundreds of chunks and never changes once searchable,
//! so searching it in process costs microseconds, where a store query per question word cost
//! tens of milliseconds with a large store loaded (the full-text index spans every version, and
//! common words scored every posting before the version filter). SurrealDB's full-text and HNSW
//! indexes stay for searches across versions.
//!
//! Words are read as the store's analyzer reads them (split at blanks, punctuation and where
//! letters meet digits; lowercased; snowball English stems), so a word matches here exactly
//! when it matched there. Scores are BM25(1.2, 0.75) over the version's chunks.

use crate::rank::Candidate;
use rust_stemmers::{Algorithm, Stemmer};
use std::collections::HashMap;
use std::sync::LazyLock;

const K1: f32 = 1.2;
const B: f32 = 0.75;

static ENGLISH: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::English));

/// A chunk as the index is built from: what is shown and cited, what was indexed (heading path
/// and text), and its vector.
#[derive(Debug, Clone)]
pub struct IndexRow {
    pub candidate: Candidate,
    pub indexed: String,
    pub vector: Vec<f32>,
}

impl From<&crate::store::StoredChunk> for IndexRow {
    fn from(c: &crate::store::StoredChunk) -> Self {
        IndexRow {
            candidate: Candidate {
                chunk_id: c.key.clone(),
                position: c.position,
                section: c.section.clone(),
                text: c.text.clone(),
                cosine: None,
                bm25: None,
                flagged: c.flagged,
            },
            indexed: c.indexed.clone(),
            vector: c.embedding.clone(),
        }
    }
}

#[derive(Debug)]
struct Entry {
    candidate: Candidate,
    /// The vector scaled to unit length, so cosine is a dot product.
    unit: Vec<f32>,
    /// Term frequencies of the indexed text.
    terms: HashMap<String, u32>,
    /// Indexed length in terms.
    len: u32,
}

/// A searchable version, built once from its stored chunks.
#[derive(Debug)]
pub struct VersionIndex {
    entries: Vec<Entry>,
    /// How many chunks contain each term.
    df: HashMap<String, u32>,
    avg_len: f32,
}

/// The store's analyzer: blank, class and punct tokenizers, lowercase, ascii, snowball English.
pub fn analyse(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut last_digit: Option<bool> = None;
    let mut flush = |word: &mut String| {
        if !word.is_empty() {
            out.push(ENGLISH.stem(&word.to_lowercase()).into_owned());
            word.clear();
        }
    };
    for c in text.chars() {
        if c.is_alphanumeric() {
            let digit = c.is_numeric();
            if last_digit.is_some_and(|d| d != digit) {
                flush(&mut word);
            }
            word.push(c);
            last_digit = Some(digit);
        } else {
            flush(&mut word);
            last_digit = None;
        }
    }
    flush(&mut word);
    out
}

impl VersionIndex {
    pub fn build(rows: Vec<IndexRow>) -> VersionIndex {
        let mut df: HashMap<String, u32> = HashMap::new();
        let entries: Vec<Entry> = rows
            .into_iter()
            .map(|row| {
                let words = analyse(&row.indexed);
                let mut terms: HashMap<String, u32> = HashMap::new();
                for w in &words {
                    *terms.entry(w.clone()).or_default() += 1;
                }
                for t in terms.keys() {
                    *df.entry(t.clone()).or_default() += 1;
                }
                let norm = row.vector.iter().map(|x| x * x).sum::<f32>().sqrt();
                let unit = if norm > 0.0 {
                    row.vector.iter().map(|x| x / norm).collect()
                } else {
                    row.vector
                };
                Entry {
                    candidate: row.candidate,
                    unit,
                    terms,
                    len: words.len() as u32,
                }
            })
            .collect();
        let total: u32 = entries.iter().map(|e| e.len).sum();
        let avg_len = total as f32 / entries.len().max(1) as f32;
        VersionIndex {
            entries,
            df,
            avg_len,
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Roughly how many bytes the index holds (what the cache weighs it by).
    pub fn weight(&self) -> usize {
        self.entries
            .iter()
            .map(|e| {
                e.unit.len() * 4
                    + e.candidate.text.len()
                    + e.candidate.section.len()
                    + e.terms.keys().map(|t| t.len() + 16).sum::<usize>()
                    + 128
            })
            .sum::<usize>()
            + self.df.keys().map(|t| t.len() + 16).sum::<usize>()
    }

    /// The `limit` chunks nearest to `query` by cosine similarity (exact), best first; ties
    /// keep document order.
    pub fn nearest(&self, query: &[f32], limit: usize) -> Vec<Candidate> {
        let qn = query.iter().map(|x| x * x).sum::<f32>().sqrt();
        let mut scored: Vec<(f32, usize)> = self
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let dot = rehearse_llm::embed::cosine(&e.unit, query);
                (if qn > 0.0 { dot / qn } else { 0.0 }, i)
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        scored
            .into_iter()
            .take(limit)
            .map(|(cos, i)| Candidate {
                cosine: Some(cos),
                ..self.entries[i].candidate.clone()
            })
            .collect()
    }

    /// The `limit` chunks matching the question's content words, by BM25 summed over the words
    /// (any word matches: a question's extra words never hide a chunk), best first.
    pub fn full_text(&self, question: &str, limit: usize) -> Vec<Candidate> {
        let n = self.entries.len() as f32;
        let mut asked: Vec<String> = Vec::new();
        for w in crate::terms::words(question)
            .into_iter()
            .filter(|w| !crate::terms::is_stop(w) && w.len() > 1)
            .take(8)
        {
            for t in analyse(&w) {
                if !asked.contains(&t) {
                    asked.push(t);
                }
            }
        }
        let mut scored: Vec<(f32, usize)> = Vec::new();
        for (i, e) in self.entries.iter().enumerate() {
            let mut score = 0.0;
            let mut matched = false;
            for t in &asked {
                let Some(&tf) = e.terms.get(t) else {
                    continue;
                };
                matched = true;
                let df = self.df.get(t).copied().unwrap_or(0) as f32;
                let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
                let tf = tf as f32;
                let norm = K1 * (1.0 - B + B * e.len as f32 / self.avg_len.max(1.0));
                score += idf * tf * (K1 + 1.0) / (tf + norm);
            }
            if matched {
                scored.push((score, i));
            }
        }
        scored.sort_by(|a, b| {
            b.0.total_cmp(&a.0).then_with(|| {
                self.entries[a.1]
                    .candidate
                    .chunk_id
                    .cmp(&self.entries[b.1].candidate.chunk_id)
            })
        });
        scored
            .into_iter()
            .take(limit)
            .map(|(bm25, i)| Candidate {
                bm25: Some(bm25),
                ..self.entries[i].candidate.clone()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, text: &str, vector: Vec<f32>) -> IndexRow {
        IndexRow {
            candidate: Candidate {
                chunk_id: id.into(),
                position: 0,
                section: "Role".into(),
                text: text.into(),
                cosine: None,
                bm25: None,
                flagged: false,
            },
            indexed: format!("Role\n{text}"),
            vector,
        }
    }

    #[test]
    fn words_are_read_as_the_store_reads_them() {
        assert_eq!(
            analyse("Deploying Kubernetes clusters, 3x a week (on-call)."),
            vec!["deploy", "kubernet", "cluster", "3", "x", "a", "week", "on", "call"]
        );
    }

    #[test]
    fn cosine_is_exact_and_ranks_best_first() {
        let index = VersionIndex::build(vec![
            row("a", "alpha", vec![1.0, 0.0]),
            row("b", "beta", vec![0.6, 0.8]),
            row("c", "gamma", vec![0.0, 2.0]),
        ]);
        let found = index.nearest(&[0.0, 1.0], 2);
        let ids: Vec<&str> = found.iter().map(|c| c.chunk_id.as_str()).collect();
        assert_eq!(ids, vec!["c", "b"]);
        assert!((found[0].cosine.expect("value") - 1.0).abs() < 1e-6);
        assert!((found[1].cosine.expect("value") - 0.8).abs() < 1e-6);
    }

    #[test]
    fn any_asked_word_matches_and_rare_words_weigh_more() {
        let index = VersionIndex::build(vec![
            row("oncall", "Everyone joins the on-call rotation", vec![1.0]),
            row("deploy", "We deploy the services daily", vec![1.0]),
            row("both", "Services deploy through the rotation", vec![1.0]),
        ]);
        let found = index.full_text("How often is the on-call rotation?", 10);
        let ids: Vec<&str> = found.iter().map(|c| c.chunk_id.as_str()).collect();
        // "on-call" is in one chunk, "rotation" in two: the chunk with both ranks first.
        assert_eq!(ids, vec!["oncall", "both"], "{found:#?}");
        assert!(found[0].bm25.expect("value") > found[1].bm25.expect("value"));
        assert!(index.full_text("salary", 10).is_empty());
    }
}
