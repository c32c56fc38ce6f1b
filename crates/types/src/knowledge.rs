use crate::VersionStatus;
use serde::{Deserialize, Serialize};

/// A job description in the admin list, with its newest version's ingestion state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JdSummaryView {
    pub id: String,
    pub title: String,
    pub versions: i64,
    /// The newest version's status; None only for a job description without versions (the
    /// catalog always creates one with its first version).
    pub latest_status: Option<VersionStatus>,
    pub latest_chunks: i64,
    pub created_at: String,
    pub created_by: String,
}

/// One version of a job description and how its ingestion went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JdVersionView {
    pub id: String,
    pub version: i64,
    pub title: String,
    pub source: String,
    pub status: VersionStatus,
    /// Why ingestion failed, in words the admin can act on.
    pub error: Option<String>,
    pub chunks_done: i64,
    pub chunks_total: i64,
    /// Vectors computed, and vectors reused from the content-hash cache.
    pub embedded: i64,
    pub cached: i64,
    /// Each requirement with its competency, as shown.
    pub requirements: Vec<String>,
    /// Each requirement as written, for the editor.
    #[serde(default)]
    pub requirement_lines: Vec<String>,
    pub created_at: String,
    pub created_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkView {
    pub id: String,
    pub position: i64,
    pub section: String,
    pub text: String,
    /// Reads as instructions to a model: stored as data, never cited.
    pub flagged: bool,
}

/// A job description with its versions, and one version's text and chunks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JdDetailView {
    pub id: String,
    pub title: String,
    pub deleted: bool,
    pub versions: Vec<JdVersionView>,
    pub selected: Option<String>,
    pub body: String,
    pub chunks: Vec<ChunkView>,
}

/// Whether a ranked chunk was used, in words, for the admin's "try a question" box and the
/// reviewer's trace alike. A chunk passed on a second look (under the relevance floors, with a
/// line that answers) says so, or its low score would read as a mistake.
pub fn chunk_use(passed: bool, second_look: bool, reason: Option<&str>) -> String {
    match (passed, second_look) {
        (true, false) => "yes".to_owned(),
        (true, true) => "yes, on a second look: a line answers".to_owned(),
        (false, _) => reason.unwrap_or("no").to_owned(),
    }
}

/// A chunk as retrieval ranked it for a question, with every stage's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankedChunkView {
    pub chunk_id: String,
    pub section: String,
    pub text: String,
    pub cosine: Option<f32>,
    pub bm25: Option<f32>,
    pub vector_rank: Option<usize>,
    pub text_rank: Option<usize>,
    pub rrf: f64,
    pub coverage: f64,
    pub rerank: f64,
    pub passed: bool,
    /// Passed only on a second look: under the relevance floors, with a line that answers.
    #[serde(default)]
    pub second_look: bool,
    pub reason: Option<String>,
}

/// The answer a candidate would get, and the ranking behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TryQuestionView {
    pub answer: String,
    pub held: bool,
    pub flags: Vec<String>,
    pub ranked: Vec<RankedChunkView>,
}

#[cfg(test)]
mod tests {
    use super::chunk_use;

    #[test]
    fn a_chunk_says_whether_and_how_it_was_used() {
        assert_eq!(chunk_use(true, false, None), "yes");
        assert_eq!(
            chunk_use(true, true, None),
            "yes, on a second look: a line answers"
        );
        assert_eq!(
            chunk_use(false, false, Some("relevance below 0.20")),
            "relevance below 0.20"
        );
        assert_eq!(chunk_use(false, false, None), "no");
    }
}
