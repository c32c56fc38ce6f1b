//! The retrieval evaluation: a labelled set of job descriptions and questions (under
//! `crates/knowledge/eval/`), scored as recall@5 and MRR over the answerable questions, and
//! the share of unanswerable questions that were declined or held. A chunk is relevant when
//! its text contains one of the question's expected passages.

use crate::kb::{compose_with, KbError, KnowledgeBase, Retrieval, NOT_STATED};
use crate::rank;
use crate::rank::Thresholds;
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Clone, Deserialize)]
pub struct Question {
    pub jd: String,
    pub question: String,
    pub answerable: bool,
    pub expected: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scores {
    pub answerable: usize,
    pub unanswerable: usize,
    pub recall_at_5: f64,
    pub mrr: f64,
    /// Answerable questions that got an answer (not "not stated").
    pub answered: f64,
    /// Answerable questions answered, not held, with quoted lines that contain an expected
    /// passage: the answer a candidate can use (the accuracy target is 0.9).
    pub answered_correctly: f64,
    /// Answerable questions that missed that bar, with what was answered (for the report).
    pub misses: Vec<String>,
    /// Unanswerable questions declined ("not stated") or held for review.
    pub declined_or_held: f64,
    /// Unanswerable questions that produced an answer shown to the candidate: must be zero.
    pub unflagged_unanswerable: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    pub fused: Scores,
    pub reranked: Scores,
    pub chunks: usize,
}

/// The labelled set shipped in the repository (tuned against).
pub fn default_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("eval")
}

/// The held-out set: job descriptions and questions written without reading the answerer,
/// committed before any tuning (see its README). Never tune against it.
pub fn held_out_dir() -> std::path::PathBuf {
    default_dir().join("held-out")
}

/// The blind set: written by someone who read neither the answerer nor the other sets, and
/// committed before it was ever run (see its README). Measure on it; never read its questions
/// or its per-question results while changing the answerer.
pub fn blind_dir() -> std::path::PathBuf {
    default_dir().join("blind")
}

/// The second blind set, written the same way on 2026-11-29 because the first one's
/// per-question results were read once (README, "Retrieval evaluation"). Its per-question
/// results were read on purpose in the session that wrote the third set: it is a read set now.
pub fn blind_2_dir() -> std::path::PathBuf {
    default_dir().join("blind-2")
}

/// The third blind set, written the same way on 2026-11-29 (later session) so that the second
/// one's per-question results could be read. Its misses were read on purpose once the fourth
/// set was committed (2026-11-30): it is a read set now.
pub fn blind_3_dir() -> std::path::PathBuf {
    default_dir().join("blind-3")
}

/// The fourth blind set, written the same way on 2026-11-30 so that the third one's
/// per-question results could be read. Its misses were read on purpose once the fifth set was
/// committed (2026-11-30, later session): it is a read set now.
pub fn blind_4_dir() -> std::path::PathBuf {
    default_dir().join("blind-4")
}

/// The fifth blind set, written the same way on 2026-11-30 (later session) so that the fourth
/// one's per-question results could be read. Its misses were read once the sixth set was
/// committed (the same session): it is a read set now.
pub fn blind_5_dir() -> std::path::PathBuf {
    default_dir().join("blind-5")
}

/// The sixth blind set, written the same way on 2026-11-30 (later session) so that the fifth
/// one's per-question results could be read. The same rule holds.
pub fn blind_6_dir() -> std::path::PathBuf {
    default_dir().join("blind-6")
}

/// Unanswerable questions (and a few answerable cousins) written on 2026-11-30 by a helper who
/// read the answer rules to find their holes, on the repository's job descriptions (its `jds`
/// is a link to theirs). A read set: its figure says how often the rules answer what a
/// job description does not state when the question is aimed at them.
pub fn adversarial_dir() -> std::path::PathBuf {
    default_dir().join("adversarial")
}

/// Whether `dir` is one of the blind sets, whose questions and per-question results are never
/// printed or dumped: only their figures.
pub fn is_blind(dir: &Path) -> bool {
    dir == blind_dir() || dir == blind_6_dir()
}

/// Job descriptions as (file stem, text).
pub type Documents = Vec<(String, String)>;

pub fn load(dir: &Path) -> Result<(Documents, Vec<Question>), String> {
    let mut jds = Vec::new();
    let entries =
        std::fs::read_dir(dir.join("jds")).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        let failed = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
        match path.extension().and_then(|e| e.to_str()) {
            Some("md") => jds.push((
                stem,
                std::fs::read_to_string(&path).map_err(|e| failed(&e))?,
            )),
            // Read as an admin's upload is: through the same text extraction.
            Some("pdf") => {
                let bytes = std::fs::read(&path).map_err(|e| failed(&e))?;
                let text = crate::extract::extract_file(&format!("{stem}.pdf"), &bytes, 1 << 20)
                    .map_err(|e| failed(&e))?;
                jds.push((stem, text));
            }
            _ => {}
        }
    }
    jds.sort();
    let raw = std::fs::read_to_string(dir.join("questions.json")).map_err(|e| e.to_string())?;
    let questions: Vec<Question> = serde_json::from_str(&raw).map_err(|e| e.to_string())?;
    Ok((jds, questions))
}

/// Ingests the set's job descriptions into `kb` (as `by`) and scores every question with
/// fusion alone and with reranking.
pub async fn run(kb: &KnowledgeBase, dir: &Path, by: &str) -> Result<Report, KbError> {
    let (jds, questions) = load(dir).map_err(KbError::Invalid)?;
    let mut versions = std::collections::HashMap::new();
    for (stem, text) in &jds {
        let added = kb.add(None, &format!("{stem}.md"), text, by).await?;
        versions.insert(stem.clone(), added.version.id.clone());
    }
    while kb.run_next_job().await? {}
    let mut report = Report::default();
    for id in versions.values() {
        let v = kb.catalog().version(id).await?.ok_or(KbError::NotFound)?;
        if let Some(e) = v.error {
            return Err(KbError::Invalid(format!(
                "ingestion of {} failed: {e}",
                v.title
            )));
        }
        report.chunks += v.chunks_total as usize;
    }
    // Not `REHEARSE_*`: settings refuse unknown variables under that prefix. Never for a
    // blind set, whose questions nobody who tunes the answerer may read.
    let verbose = std::env::var_os("EVAL_VERBOSE").is_some() && !is_blind(dir);
    let mut lists = Vec::new();
    for q in &questions {
        let version = versions
            .get(&q.jd)
            .ok_or_else(|| KbError::Invalid(format!("unknown job description {}", q.jd)))?;
        lists.push(kb.candidates(version, &q.question).await?);
    }
    if let Some(path) = std::env::var_os("EVAL_DUMP").filter(|_| !is_blind(dir)) {
        // The first-stage lists with their scores, for tuning the reranker offline.
        let dump: Vec<serde_json::Value> = questions
            .iter()
            .zip(&lists)
            .map(|(q, (v, t))| serde_json::json!({"question": q.question, "answerable": q.answerable, "expected": q.expected, "vector": v, "text": t}))
            .collect();
        let _ = std::fs::write(path, serde_json::to_string(&dump).unwrap_or_default());
    }
    for (rerank, scores) in [(false, &mut report.fused), (true, &mut report.reranked)] {
        let mut recall = 0.0;
        let mut rr = 0.0;
        let mut answered = 0.0;
        let mut correct = 0.0;
        let mut declined = 0.0;
        for (q, (by_vector, by_text)) in questions.iter().zip(&lists) {
            let version = &versions[&q.jd];
            let r = Retrieval {
                ranked: rank::rank(
                    &q.question,
                    by_vector,
                    by_text,
                    Thresholds::default(),
                    rerank,
                ),
                question: q.question.clone(),
            };
            let relevant = |text: &str| q.expected.iter().any(|e| text.contains(e.as_str()));
            let position = r.ranked.iter().position(|s| relevant(&s.candidate.text));
            // `EVAL_WORDS_ONLY` measures the answers without line meaning (for the README's
            // comparison).
            let (r, meaning) = if std::env::var_os("EVAL_WORDS_ONLY").is_some() {
                (r, crate::compose::LineMeaning::default())
            } else {
                kb.settle(version, r, Thresholds::default()).await?
            };
            let answer = compose_with(r.clone(), &meaning);
            if verbose && rerank {
                let top = r.ranked.first();
                let closest = crate::compose::passing_lines(&r)
                    .into_iter()
                    .map(|l| (meaning.of(&l), l))
                    .max_by(|a, b| a.0.total_cmp(&b.0));
                if let Some((m, l)) = closest {
                    let answers = q
                        .expected
                        .iter()
                        .any(|e| l.contains(e.trim_end_matches(['.', ';', ','])));
                    println!(
                        "      closest line {m:.3} {} {l:.70}",
                        if answers { "ANSWERS" } else { "" }
                    );
                }
                // `EVAL_TRACE=<words of a question>`: every ranked chunk of the questions that
                // contain them, with its scores and why it did or did not pass, and each line's
                // meaning: for finding which rule declines an answer.
                let traced = std::env::var("EVAL_TRACE")
                    .is_ok_and(|t| !t.is_empty() && q.question.contains(t.as_str()));
                if traced {
                    for s in &r.ranked {
                        println!(
                            "      chunk rerank {:.3} cos {:.3} cov {:.2} {} {:.60}",
                            s.rerank,
                            s.candidate.cosine.unwrap_or(0.0),
                            s.coverage,
                            s.reason
                                .as_ref()
                                .map(ToString::to_string)
                                .unwrap_or_else(|| "passed".into()),
                            s.candidate.text.replace('\n', " / "),
                        );
                        for l in crate::compose::lines(&s.candidate.text) {
                            println!("        line {:.3} {l:.90}", meaning.of(&l));
                        }
                    }
                }
                // "V": a chunk passed on the second look, under a floor (`KnowledgeBase::settle`).
                let vouched = r.passed().any(|s| s.second_look);
                println!(
                    "{}{:<5} {:<40.40} rel@{:<4} top: rerank {:.3} cos {:.3} cov {:.2} {:<30.30} -> {:.60}",
                    if vouched { "V " } else { "" },
                    if q.answerable { "ANS" } else { "UNANS" },
                    q.question,
                    position.map(|p| (p + 1).to_string()).unwrap_or("-".into()),
                    top.map(|t| t.rerank).unwrap_or(0.0),
                    top.and_then(|t| t.candidate.cosine).unwrap_or(0.0),
                    top.map(|t| t.coverage).unwrap_or(0.0),
                    top.and_then(|t| t.reason.as_ref().map(ToString::to_string))
                        .unwrap_or_else(|| "passed".into()),
                    answer.flags.first().cloned().unwrap_or_else(|| answer.text.clone()),
                );
            }
            if q.answerable {
                scores.answerable += 1;
                if let Some(rank) = position {
                    if rank < 5 {
                        recall += 1.0;
                    }
                    rr += 1.0 / (rank as f64 + 1.0);
                }
                if answer.text != NOT_STATED {
                    answered += 1.0;
                }
                if !answer.held
                    && q.expected.iter().any(|e| {
                        // The quote drops a line's closing punctuation.
                        answer.text.contains(e.trim_end_matches(['.', ';', ',']))
                    })
                {
                    correct += 1.0;
                } else if rerank {
                    scores.misses.push(format!(
                        "{}: {} -> {}{}",
                        q.jd,
                        q.question,
                        if answer.held { "(held) " } else { "" },
                        answer.text
                    ));
                }
            } else {
                scores.unanswerable += 1;
                if answer.text == NOT_STATED || answer.held {
                    declined += 1.0;
                } else {
                    scores
                        .unflagged_unanswerable
                        .push(format!("{}: {} -> {}", q.jd, q.question, answer.text));
                }
            }
        }
        let a = scores.answerable.max(1) as f64;
        scores.recall_at_5 = recall / a;
        scores.mrr = rr / a;
        scores.answered = answered / a;
        scores.answered_correctly = correct / a;
        scores.declined_or_held = declined / scores.unanswerable.max(1) as f64;
    }
    Ok(report)
}

impl Report {
    /// The figures without the questions behind them: how the blind set is printed, so that
    /// nobody who changes the answerer reads its questions or its answers (README, "Retrieval
    /// evaluation"). The lists of questions are emptied; their lengths, read from the full report
    /// first, are what a caller may print.
    pub fn figures_only(&self) -> Report {
        let mut figures = self.clone();
        for s in [&mut figures.fused, &mut figures.reranked] {
            s.misses.clear();
            s.unflagged_unanswerable.clear();
        }
        figures
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "questions: {} answerable, {} unanswerable; {} chunks",
            self.reranked.answerable, self.reranked.unanswerable, self.chunks
        )?;
        writeln!(
            f,
            "{:<22} {:>10} {:>8} {:>10} {:>10} {:>18}",
            "stage", "recall@5", "MRR", "answered", "correct", "declined/held (unans.)"
        )?;
        for (name, s) in [
            ("fusion (RRF) only", &self.fused),
            ("fusion + rerank", &self.reranked),
        ] {
            writeln!(
                f,
                "{:<22} {:>10.3} {:>8.3} {:>10.3} {:>10.3} {:>18.3}",
                name, s.recall_at_5, s.mrr, s.answered, s.answered_correctly, s.declined_or_held
            )?;
        }
        for m in &self.reranked.misses {
            writeln!(f, "not answered with the passage that answers: {m}")?;
        }
        for u in &self.reranked.unflagged_unanswerable {
            writeln!(f, "UNFLAGGED ANSWER TO AN UNANSWERABLE QUESTION: {u}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_figures_alone_name_no_question() {
        let mut report = Report::default();
        report.reranked.answerable = 2;
        report.reranked.misses = vec!["jd: What is asked? -> not stated".into()];
        report.reranked.unflagged_unanswerable = vec!["jd: Is it stated? -> an answer".into()];
        let full = report.to_string();
        assert!(full.contains("What is asked?") && full.contains("Is it stated?"));
        let figures = report.figures_only().to_string();
        assert!(
            !figures.contains("asked") && !figures.contains("stated"),
            "{figures}"
        );
        assert!(figures.contains("2 answerable"), "{figures}");
    }
}
