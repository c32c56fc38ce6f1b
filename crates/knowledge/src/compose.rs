//! Answers about the role, composed only from retrieved chunks: the lines of each passing chunk
//! that speak to the question, quoted and cited. Kept apart from the knowledge base's storage
//! and jobs because it is pure: a retrieval in, an answer with its grounding verdict out.

use crate::chunk;
use crate::grounding;
use crate::kb::{Answer, Citation, Retrieval, NOT_STATED};
use crate::rank::Scored;
use std::collections::HashMap;

/// How close in meaning each line of the passing chunks is to the question: the cosine of
/// their MiniLM vectors. Word matching alone misses a line that answers in other words ("PTO"
/// asked, "days of holiday" stated); a line this close in meaning speaks to the question even
/// when it shares none of its words.
#[derive(Debug, Clone, Default)]
pub struct LineMeaning {
    by_line: HashMap<String, f32>,
}

impl LineMeaning {
    pub fn new(by_line: HashMap<String, f32>) -> Self {
        LineMeaning { by_line }
    }

    /// The line's cosine with the question; 0 for a line that was not embedded.
    pub fn of(&self, line: &str) -> f32 {
        self.by_line.get(line).copied().unwrap_or(0.0)
    }
}

/// The cosine at which a line speaks to the question by meaning alone, and at which a line
/// close in meaning that states a number answers "how much" or "how many". Measured on the
/// repository's eval set (README, "Retrieval evaluation"): the closest lines to unanswerable
/// questions reach 0.55 (an office in another city, a team's size never stated), so only a
/// line clearly above that is trusted without shared words.
pub const LINE_MEANING: f32 = 0.6;

/// The cosine at which a line that shares at least one of the question's content words (or a
/// member of a category it names) speaks to it, though it covers less than half of them. Lines
/// that answer in other words measured 0.42-0.52 on the repository's set, lines beside an
/// unanswerable question up to 0.47: the cut keeps every unanswerable declined.
pub const LINE_MEANING_WITH_A_WORD: f32 = 0.5;

/// The quotable lines of a chunk: its bullets and lines, and the sentences of a long line.
pub fn lines(text: &str) -> Vec<String> {
    text.lines()
        .flat_map(|l| {
            let l = l.trim().trim_start_matches("- ").to_owned();
            if l.len() > 200 {
                chunk::sentences(&l)
            } else {
                vec![l]
            }
        })
        .filter(|p| !p.is_empty())
        .collect()
}

/// The lines of every passing chunk, each once: what [`LineMeaning`] is measured over.
pub fn passing_lines(retrieval: &Retrieval) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in retrieval.passed() {
        for l in lines(&s.candidate.text) {
            if !out.contains(&l) {
                out.push(l);
            }
        }
    }
    out
}

/// Composes an answer from the chunks that passed, by their words alone (no line meaning).
pub fn compose(retrieval: Retrieval) -> Answer {
    compose_with(retrieval, &LineMeaning::default())
}

/// Composes an answer from the chunks that passed: the lines of each that speak to the
/// question (by its words, or by meaning), quoted and cited; "not stated" when none passed.
/// The grounding check runs on the result, and an answer that fails it is held.
pub fn compose_with(retrieval: Retrieval, meaning: &LineMeaning) -> Answer {
    let passed: Vec<&Scored> = retrieval.passed().collect();
    let unstated = if passed.is_empty() {
        let best = retrieval.ranked.first().map(|s| s.rerank).unwrap_or(0.0);
        Some(format!(
            "no chunk passed the relevance thresholds (best {best:.2})"
        ))
    } else {
        let texts: Vec<String> = passed
            .iter()
            .map(|s| format!("{} {}", s.candidate.section, s.candidate.text))
            .collect();
        // A line close in meaning that states a number answers "how much PTO" ("28 days of
        // holiday") though no asked word stands next to the number.
        let counted_by_meaning = passed
            .iter()
            .flat_map(|s| lines(&s.candidate.text))
            .any(|l| meaning.of(&l) >= LINE_MEANING && !grounding::numbers(&l).is_empty());
        asked_fact_missing(&retrieval.question, &texts, counted_by_meaning)
    };
    if let Some(reason) = unstated {
        return not_stated(retrieval, reason);
    }
    let asked = crate::terms::content_stems(&retrieval.question);
    let mut quotes = Vec::new();
    let mut citations = Vec::new();
    for s in &passed {
        let marker = citations.len() + 1;
        let pieces = lines(&s.candidate.text);
        let covered = |p: &str| {
            let have = crate::terms::content_stems(&format!("{} {p}", s.candidate.section));
            asked
                .iter()
                .filter(|a| crate::categories::covers(a, &have))
                .count()
        };
        let scored: Vec<(usize, f32, &String)> = pieces
            .iter()
            .map(|p| (covered(p), meaning.of(p), p))
            .collect();
        let best = scored.iter().map(|(n, _, _)| *n).max().unwrap_or(0);
        // A passage none of whose lines speaks to at least half of what was asked, in its
        // words or in meaning, is about the topic, not an answer: it is not quoted.
        let chosen: Vec<&String> = if speaks_to(best, asked.len()) && best > 0 {
            // The lines with the most of the question's words; among them, the closest.
            let mut top: Vec<&(usize, f32, &String)> =
                scored.iter().filter(|(n, _, _)| *n == best).collect();
            top.sort_by(|a, b| b.1.total_cmp(&a.1));
            let mut keep: Vec<&String> = top.iter().take(3).map(|(_, _, p)| *p).collect();
            keep.sort_by_key(|p| pieces.iter().position(|q| q == *p));
            keep
        } else if let Some(top) = scored
            .iter()
            .filter(|(n, m, _)| close_in_meaning(*n, *m))
            .map(|(_, m, _)| *m)
            .reduce(f32::max)
        {
            // The lines close in meaning: the closest, and any within a hair of it.
            scored
                .iter()
                .filter(|(n, m, _)| close_in_meaning(*n, *m) && top - *m < 0.05)
                .take(2)
                .map(|(_, _, p)| *p)
                .collect()
        } else if asked.is_empty() {
            pieces.iter().take(2).collect()
        } else {
            continue;
        };
        let quote = chosen
            .iter()
            .map(|p| p.trim_end_matches(['.', ';', ',']).to_owned())
            .collect::<Vec<_>>()
            .join("; ");
        quotes.push(format!("{quote} [{marker}]."));
        citations.push(Citation {
            marker,
            chunk_id: s.candidate.chunk_id.clone(),
            section: s.candidate.section.clone(),
            text: s.candidate.text.clone(),
        });
    }
    if quotes.is_empty() {
        return not_stated(
            retrieval,
            "no passage has a line that speaks to what was asked".to_owned(),
        );
    }
    let text = format!("From the job description: {}", quotes.join(" "));
    let cited: Vec<&str> = citations.iter().map(|c| c.text.as_str()).collect();
    let grounding = grounding::check(&strip_markers(&text), &cited);
    let held = !grounding.passed();
    let flags = grounding.reasons();
    Answer {
        text,
        citations,
        grounding,
        held,
        flags,
        retrieval,
    }
}

/// Whether a line that covers `covered` of the question's content words (fewer than half)
/// still speaks to it by its meaning `m`: past [`LINE_MEANING`], or past
/// [`LINE_MEANING_WITH_A_WORD`] when it shares at least one word with the question.
fn close_in_meaning(covered: usize, m: f32) -> bool {
    m >= LINE_MEANING || (covered > 0 && m >= LINE_MEANING_WITH_A_WORD)
}

/// "Not stated", with the reason the passages did not answer (for the trace and the admin).
fn not_stated(retrieval: Retrieval, reason: String) -> Answer {
    Answer {
        text: NOT_STATED.to_owned(),
        citations: Vec::new(),
        grounding: grounding::check(NOT_STATED, &[]),
        held: false,
        flags: vec![reason],
        retrieval,
    }
}

/// Whether a line covering `covered` of the question's `asked` content words speaks to it: at
/// least half of them (a category's member counting as the category).
fn speaks_to(covered: usize, asked: usize) -> bool {
    asked == 0 || covered * 2 >= asked
}

const QUANTITY: &[&str] = &[
    "how many",
    "how much",
    "how long",
    "how big",
    "how large",
    "how often",
    "what percentage",
    "what size",
    "number of",
];

/// When the question names a checkable fact (a place, a technology, a benefit) that none of
/// the passing chunks mentions, or asks "how many" and no chunk puts a number next to what was
/// asked about, the chunks are about the topic but do not answer the question: say so.
fn asked_fact_missing(
    question: &str,
    texts: &[String],
    counted_by_meaning: bool,
) -> Option<String> {
    let evidence = texts.join("\n");
    for claim in grounding::claims(question) {
        if matches!(
            claim.kind,
            grounding::ClaimKind::Location
                | grounding::ClaimKind::Technology
                | grounding::ClaimKind::Benefit
        ) && !grounding::check(&claim.text, &[evidence.as_str()]).passed()
            && !named_by_member(&claim.text, &evidence)
        {
            return Some(format!(
                "the question asks about {}, which no passage mentions",
                claim.text
            ));
        }
    }
    if let Some(name) = named_but_missing(question, &evidence) {
        return Some(format!(
            "the question names {name}, which no passage mentions"
        ));
    }
    if let Some(n) = counted_but_missing(question, &evidence) {
        return Some(format!(
            "the question asks about {n} of something, which no passage states"
        ));
    }
    let lower = question.to_lowercase();
    if QUANTITY.iter().any(|q| lower.contains(q)) {
        let asked = crate::terms::content_stems(question);
        let near = texts.iter().any(|t| {
            let words = crate::terms::words(t);
            words.iter().enumerate().any(|(i, w)| {
                let window: Vec<String> = words[i.saturating_sub(3)..(i + 4).min(words.len())]
                    .iter()
                    .map(|n| crate::terms::stem(n))
                    .collect();
                !grounding::numbers(w).is_empty()
                    && asked.iter().any(|a| crate::categories::covers(a, &window))
            })
        });
        if !near && !counted_by_meaning {
            return Some(
                "the question asks for a quantity and no passage states one for it".into(),
            );
        }
    }
    None
}

/// Whether every content word of a claim the question makes ("a pension") is in the evidence,
/// itself or as a member of the category it names ("a 401(k) plan").
fn named_by_member(claim: &str, evidence: &str) -> bool {
    let have = crate::terms::content_stems(evidence);
    let asked = crate::terms::content_stems(claim);
    !asked.is_empty() && asked.iter().all(|a| crate::categories::covers(a, &have))
}

/// A place the question names ("an office in Glasgow", "based at Canary Wharf": a capitalised
/// word after "in", "at" or "near") that no passage mentions: the passages are about where the
/// team works, not about the place asked. Only such places: a name elsewhere in a question
/// ("I'm not an EU citizen") is context, not what is asked.
fn named_but_missing(question: &str, evidence: &str) -> Option<String> {
    let words: Vec<&str> = question.split_whitespace().collect();
    for pair in words.windows(2) {
        let before = pair[0].to_lowercase();
        let word = pair[1].trim_matches(|c: char| !c.is_alphanumeric());
        if ["in", "at", "near"].contains(&before.as_str())
            && word.len() > 1
            && word.chars().next().is_some_and(char::is_uppercase)
            && !grounding::contains_phrase(evidence, word)
        {
            return Some(word.to_owned());
        }
    }
    None
}

/// A number the question asks about with its unit ("a four-day week": 4 and "day") that no
/// passage states with that unit: a passage that says "4:00" or "four times" does not answer.
fn counted_but_missing(question: &str, evidence: &str) -> Option<f64> {
    let asked = crate::terms::words(question);
    let stated = crate::terms::words(evidence);
    let units_near = |words: &[String], i: usize| -> Vec<String> {
        words[i + 1..(i + 3).min(words.len())]
            .iter()
            .map(|w| crate::terms::stem(w))
            .collect()
    };
    for (i, w) in asked.iter().enumerate() {
        // "four-day" is one word to `words`: split it into the number and its unit.
        let (number, unit) = match w.split_once('-') {
            Some((n, u)) => (n.to_owned(), Some(crate::terms::stem(u))),
            None => (w.clone(), units_near(&asked, i).into_iter().next()),
        };
        let Some(value) = grounding::numbers(&number).first().copied() else {
            continue;
        };
        let Some(unit) = unit.filter(|u| !crate::terms::is_stop(u)) else {
            continue;
        };
        let found = stated.iter().enumerate().any(|(j, s)| {
            let (n, u) = match s.split_once('-') {
                Some((n, u)) => (n.to_owned(), vec![crate::terms::stem(u)]),
                None => (s.clone(), units_near(&stated, j)),
            };
            grounding::numbers(&n).contains(&value) && u.contains(&unit)
        });
        if !found {
            return Some(value);
        }
    }
    None
}

/// The answer without its `[n]` citation markers, which are not claims.
pub(crate) fn strip_markers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find(']') {
            Some(close) if after[..close].chars().all(|c| c.is_ascii_digit()) => {
                rest = &after[close + 1..]
            }
            _ => {
                out.push('[');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rank::{self, Candidate, Thresholds};

    fn retrieval(question: &str, chunks: &[(&str, &str, f32)]) -> Retrieval {
        let vector: Vec<Candidate> = chunks
            .iter()
            .enumerate()
            .map(|(i, (section, text, cos))| Candidate {
                chunk_id: format!("v:{i}"),
                position: i,
                section: (*section).into(),
                text: (*text).into(),
                cosine: Some(*cos),
                bm25: None,
                flagged: false,
            })
            .collect();
        Retrieval {
            question: question.into(),
            ranked: rank::rank(question, &vector, &[], Thresholds::default(), true),
        }
    }

    #[test]
    fn an_answer_quotes_and_cites_the_passing_chunks() {
        let r = retrieval(
            "How often is on-call?",
            &[(
                "Role > How we work",
                "- Everyone joins the on-call rotation, one week in six\n- We deploy daily",
                0.7,
            )],
        );
        let a = compose(r);
        assert!(!a.held, "{a:#?}");
        assert_eq!(a.citations.len(), 1);
        assert_eq!(a.citations[0].chunk_id, "v:0");
        assert_eq!(
            a.text,
            "From the job description: Everyone joins the on-call rotation, one week in six [1]."
        );
        assert!(a.grounding.passed());
    }

    #[test]
    fn nothing_relevant_means_not_stated_and_no_number() {
        let r = retrieval(
            "What is the salary?",
            &[(
                "Role > Benefits",
                "- 28 days of holiday\n- A learning budget",
                0.5,
            )],
        );
        let a = compose(r);
        assert_eq!(a.text, NOT_STATED);
        assert!(a.citations.is_empty());
        assert!(!a.held);
        assert!(!a.text.chars().any(|c| c.is_ascii_digit()));
        assert!(a.flags[0].contains("thresholds"));
    }

    #[test]
    fn a_name_or_number_the_passages_never_state_means_not_stated() {
        let office = "- We are based in Edinburgh and come into the office two days a week";
        for question in [
            "Is there an office in Glasgow I could work from?",
            "Could I work a four-day week?",
        ] {
            let a = compose(retrieval(question, &[("Where we work", office, 0.6)]));
            assert_eq!(a.text, NOT_STATED, "{question}: {a:#?}");
        }
        // Named and counted as the passage states them, the same question shapes are answered.
        let a = compose(retrieval(
            "Is there an office in Edinburgh I could work from?",
            &[("Where we work", office, 0.6)],
        ));
        assert!(a.text.contains("based in Edinburgh"), "{a:#?}");
        let a = compose(retrieval(
            "How often would I be on call?",
            &[(
                "How we work",
                "- The on-call rotation is one week in every six",
                0.6,
            )],
        ));
        assert!(a.text.contains("one week in every six"), "{a:#?}");
    }

    #[test]
    fn a_line_that_answers_in_other_words_is_quoted_by_its_meaning() {
        let chunk = "- 28 days of paid holiday plus public holidays\n- A yearly learning budget";
        let question = "How much vacation time do I get?";
        let r = || retrieval(question, &[("Benefits", chunk, 0.5)]);
        let with = |holiday: f32| {
            LineMeaning::new(
                [
                    (
                        "28 days of paid holiday plus public holidays".to_owned(),
                        holiday,
                    ),
                    ("A yearly learning budget".to_owned(), 0.2),
                ]
                .into_iter()
                .collect(),
            )
        };
        // By words alone nothing speaks to "vacation time": not stated.
        assert_eq!(compose(r()).text, NOT_STATED);
        // Close in meaning, the line that answers is quoted, and only it.
        let a = compose_with(r(), &with(LINE_MEANING + 0.01));
        assert_eq!(
            a.text,
            "From the job description: 28 days of paid holiday plus public holidays [1]."
        );
        // Sharing no word, a line below the cut is not trusted.
        assert_eq!(
            compose_with(r(), &with(LINE_MEANING - 0.01)).text,
            NOT_STATED
        );
        // Sharing a word with the question, a lower cut is enough.
        let parents = "- 26 weeks of enhanced parental leave for all parents";
        let q = "What is the policy for new parents?";
        let r = || retrieval(q, &[("Benefits", parents, 0.5)]);
        let line = "26 weeks of enhanced parental leave for all parents".to_owned();
        let m = |v: f32| LineMeaning::new([(line.clone(), v)].into_iter().collect());
        assert_eq!(compose(r()).text, NOT_STATED);
        assert!(compose_with(r(), &m(LINE_MEANING_WITH_A_WORD + 0.01))
            .text
            .contains("26 weeks"));
        assert_eq!(
            compose_with(r(), &m(LINE_MEANING_WITH_A_WORD - 0.01)).text,
            NOT_STATED
        );
    }

    #[test]
    fn a_category_asked_is_stated_by_its_member() {
        let a = compose(retrieval(
            "Does the company contribute to a pension?",
            &[("Benefits", "- 401(k) plan with a 4% company match", 0.5)],
        ));
        assert!(a.text.contains("401(k) plan"), "{a:#?}");
    }

    #[test]
    fn markers_are_not_claims() {
        assert_eq!(
            strip_markers("Rust [1]. Go [2] and [x]"),
            "Rust . Go  and [x]"
        );
    }
}
