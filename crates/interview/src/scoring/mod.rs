//! The feedback report: a 1-5 score per requirement the candidate was asked about, from
//! several independent signals that are stored with the score and shown in its "why this
//! score" view, and the candidate's own best sentence quoted verbatim.
//!
//! - **relevance**: how closely the answer matches the requirement or the question it
//!   answered, by meaning (MiniLM embeddings; see [`meaning`]), not by keyword presence;
//! - **substance**: how many of the requirement's key points the answer speaks to;
//! - **coherence**: whether it reads as an answer at all: a list of terms, repeated text or
//!   the question copied back score low ([`signals::coherence`]);
//! - **specificity**: a measured result, an example from the candidate's own work, a
//!   trade-off named ([`signals::Specifics`]), scaled down below sixty words;
//! - **depth**: how developed it is (nothing below fifteen words, full at a hundred).
//!
//! The score is `1 + round(4 × (0.10 relevance + 0.20 substance + 0.40 specificity + 0.30
//! depth))`, capped at 2 when the answer is incoherent or off the requirement. Sentences that
//! address the grader ("score me 5/5") are set aside before anything is measured: they are
//! evidence of nothing and never raise a score. An answer that declines ("I don't know") or
//! has fewer than ten words scores 1. The weights and thresholds are checked against the
//! simulated candidates in `tests/data/calibration` by `tests/calibration.rs`.

mod explain;
pub mod judge;
pub mod meaning;
pub mod signals;

use crate::need::Need;
use crate::roles::{Requirement, Role};
use explain::{best_sentence, describe, strong_answer};
use meaning::{EmbedTexts, Meaning};
use serde::{Deserialize, Serialize};
use signals::Specifics;

/// The signals behind one score, each 0..=1, kept with the report for its "why" view.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct Signals {
    pub relevance: f32,
    pub substance: f32,
    pub coherence: f32,
    pub specificity: f32,
    pub depth: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompetencyScore {
    pub requirement_id: String,
    pub competency: String,
    pub requirement: String,
    pub score: u8,
    /// The candidate's sentence that best supports the score, verbatim; None when nothing does.
    pub evidence: Option<String>,
    /// Why this score, in words.
    pub rationale: String,
    /// Where the job description states the requirement (section and chunk), for uploaded roles.
    #[serde(default)]
    pub source: Option<String>,
    /// The signals the score was computed from; None on reports made before they existed.
    #[serde(default)]
    pub signals: Option<Signals>,
    /// For a score of 3 or less: what a strong answer would cover, and the candidate's own
    /// sentence that fell short.
    #[serde(default)]
    pub coaching: Option<Coaching>,
    /// A capable model's second reading, when one was made and held up to its checks
    /// ([`judge::read`]). It never sets `score`; a wide disagreement sends the report to a
    /// reviewer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub judge: Option<judge::JudgeReading>,
    /// For a score of 3 or less, with a capable model: an example of a strong answer the model
    /// wrote. Generated text, so the candidate reads it only in the report's note, after a
    /// reviewer approved it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

/// What to do better on one requirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coaching {
    /// "A strong answer would speak to indexes and high write volume, with a measured result."
    pub strong_answer: String,
    /// The candidate's sentence closest to the requirement, verbatim, when there is one.
    pub fell_short: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub scores: Vec<CompetencyScore>,
    pub overall: f32,
    pub strengths: Vec<String>,
    pub improvements: Vec<String>,
    /// Set when the report was made on a degraded path (for example without the embedding
    /// model): the page says so.
    #[serde(default)]
    pub degraded: Option<String>,
}

/// One answer: the requirement it was about, the question it answered, and what the candidate
/// wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answered {
    pub requirement_id: String,
    pub question: String,
    pub text: String,
}

/// What the degraded path tells the candidate.
pub const SCORED_BY_WORDS: &str = "This report was scored without the meaning model, by the words your answers share with each requirement; scores may be less fair to answers in your own words.";

/// How much each signal counts. Relevance mostly gates (MiniLM scores an answer that repeats
/// the requirement's words above a better one in other words), so what a strong answer adds,
/// specifics and development, weighs most.
const WEIGHTS: Signals = Signals {
    relevance: 0.10,
    substance: 0.20,
    coherence: 0.0,
    specificity: 0.40,
    depth: 0.30,
};

/// Below this, an answer is not about the requirement (and scores at most 2; the verdict on a
/// report reads the same line).
pub(crate) const OFF_TOPIC: f32 = 0.35;
/// Below this, an answer does not read as one (and scores at most 2).
const INCOHERENT: f32 = 0.5;

fn clamp01(x: f32) -> f32 {
    x.clamp(0.0, 1.0)
}

/// The sentences of `answers`: those that address the grader (set aside), and the rest.
fn split_told(answers: &[&Answered]) -> (Vec<String>, Vec<String>) {
    answers
        .iter()
        .flat_map(|a| signals::sentences(&a.text))
        .partition(|s| signals::addresses_the_grader(s))
}

/// Every text [`Meaning`] must compare: per requirement asked about, its text, its key points,
/// the answer as a whole and each of its sentences.
fn texts_to_compare(role: &Role, answers: &[Answered]) -> Vec<String> {
    let mut out = Vec::new();
    for r in &role.requirements {
        let mine: Vec<&Answered> = answers
            .iter()
            .filter(|a| a.requirement_id == r.id)
            .collect();
        if mine.is_empty() {
            continue;
        }
        out.push(r.text.clone());
        out.push(
            mine.iter()
                .map(|a| a.question.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        );
        out.extend(r.points());
        let (_, kept) = split_told(&mine);
        out.push(kept.join(" "));
        out.extend(kept);
    }
    out
}

/// What a judge reads for one requirement: the questions asked about it, and the candidate's
/// answers with the sentences addressed to the grader set aside (they are evidence of
/// nothing, for the judge as for the signals). None when it was not asked about.
pub fn for_judge(answers: &[Answered], requirement_id: &str) -> Option<(String, String)> {
    let mine: Vec<&Answered> = answers
        .iter()
        .filter(|a| a.requirement_id == requirement_id)
        .collect();
    if mine.is_empty() {
        return None;
    }
    let question = mine
        .iter()
        .map(|a| a.question.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let (_, kept) = split_told(&mine);
    Some((question, kept.join(" ")))
}

/// Scores `answers`, grouped by the requirement each was about. `embedder` is the model the
/// relevance and substance signals compare meaning with; without it (or when it fails) they
/// compare shared words and the report is marked degraded.
pub async fn score(role: &Role, answers: &[Answered], embedder: Option<&dyn EmbedTexts>) -> Report {
    let meaning = Meaning::of(embedder, texts_to_compare(role, answers)).await;
    let scores: Vec<CompetencyScore> = role
        .requirements
        .iter()
        .filter_map(|r| {
            let mine: Vec<&Answered> = answers
                .iter()
                .filter(|a| a.requirement_id == r.id)
                .collect();
            (!mine.is_empty()).then(|| score_requirement(r, &mine, &meaning))
        })
        .collect();
    let overall = if scores.is_empty() {
        0.0
    } else {
        scores.iter().map(|s| f32::from(s.score)).sum::<f32>() / scores.len() as f32
    };
    let strengths = scores
        .iter()
        .filter(|s| s.score >= 4)
        .map(|s| format!("{}: {}", s.competency, s.rationale))
        .collect();
    let improvements = scores
        .iter()
        .filter(|s| s.score <= 3)
        .map(|s| {
            format!(
                "{}: give a concrete example of {}.",
                s.competency,
                Need::read(&s.requirement).about()
            )
        })
        .collect();
    Report {
        scores,
        overall,
        strengths,
        improvements,
        degraded: meaning.degraded().then(|| SCORED_BY_WORDS.to_owned()),
    }
}

fn score_requirement(r: &Requirement, answers: &[&Answered], meaning: &Meaning) -> CompetencyScore {
    let question = answers
        .iter()
        .map(|a| a.question.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    // Sentences addressed to the grader are evidence of nothing.
    let (told, kept) = split_told(answers);
    let text = kept.join(" ");
    let words = text.split_whitespace().count();
    let mut notes: Vec<String> = Vec::new();
    if !told.is_empty() {
        notes.push("Instructions about the score were ignored.".into());
    }
    let points = r.points();
    let finish = |score: u8,
                  mut notes: Vec<String>,
                  signals: Signals,
                  evidence: Option<String>,
                  first: &str,
                  coaching: Option<Coaching>| {
        notes.insert(0, first.to_owned());
        CompetencyScore {
            requirement_id: r.id.clone(),
            competency: r.competency.clone(),
            requirement: r.text.clone(),
            score,
            evidence,
            rationale: notes.join(" "),
            source: r.source.clone(),
            signals: Some(signals),
            coaching: (score <= 3).then_some(coaching).flatten(),
            judge: None,
            reference: None,
        }
    };
    if words < 10 || signals::declines_to_answer(&text) {
        let first = if words == 0 {
            "There was no answer to score."
        } else if words < 10 {
            "The answer was too short to show this requirement."
        } else {
            "The answer declined the question."
        };
        let coaching = Coaching {
            strong_answer: strong_answer(&points, &Specifics::default()),
            fell_short: best_sentence(&kept, r, meaning, 0.0),
        };
        return finish(1, notes, Signals::default(), None, first, Some(coaching));
    }
    let scale = meaning.scale();
    // Relevance: the answer as a whole against the requirement, or against the question it
    // answered (a phrased question may come at the requirement from an angle of its own),
    // by meaning.
    let closest = meaning
        .similarity(&text, &r.text)
        .max(meaning.similarity(&text, &question));
    let relevance = clamp01((closest - scale.off) / (scale.on - scale.off));
    // Substance: the share of the requirement's points some sentence speaks to.
    let missed_points: Vec<String> = points
        .iter()
        .filter(|p| !kept.iter().any(|s| meaning.similarity(s, p) >= scale.point))
        .cloned()
        .collect();
    let covered = points.len() - missed_points.len();
    let substance = covered as f32 / points.len() as f32;
    let (coherence, incoherence) = signals::coherence(&text, &question);
    let specifics = Specifics::of(&text);
    // Development: nothing below fifteen words, full at a hundred.
    let depth = clamp01((words as f32 - 15.0) / 85.0);
    let signals = Signals {
        relevance,
        substance,
        coherence,
        // A number or an example in two sentences is a start, not yet a specific answer.
        specificity: specifics.value() * clamp01(words as f32 / 60.0),
        depth,
    };
    let raw = WEIGHTS.relevance * relevance
        + WEIGHTS.substance * substance
        + WEIGHTS.specificity * signals.specificity
        + WEIGHTS.depth * depth;
    let mut score = 1 + (4.0 * raw).round() as u8;
    let first;
    if let Some(why) = incoherence.filter(|_| coherence < INCOHERENT) {
        score = score.min(2);
        first = why.explain().to_owned();
    } else if relevance < OFF_TOPIC {
        score = score.min(2);
        first = "The answer was not about this requirement.".to_owned();
    } else {
        first = describe(relevance, covered, points.len(), specifics, depth);
    }
    let score = score.clamp(1, 5);
    let evidence = (score >= 2 && incoherence.is_none())
        .then(|| best_sentence(&kept, r, meaning, scale.off))
        .flatten();
    let coaching = Coaching {
        strong_answer: strong_answer(
            if missed_points.is_empty() {
                &points
            } else {
                &missed_points
            },
            &specifics,
        ),
        fell_short: if incoherence.is_none() {
            best_sentence(&kept, r, meaning, 0.0)
        } else {
            None
        },
    };
    finish(score, notes, signals, evidence, &first, Some(coaching))
}

#[cfg(test)]
mod tests;
