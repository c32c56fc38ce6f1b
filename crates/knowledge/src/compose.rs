//! Answers about the role, composed only from retrieved chunks: the lines of each passing chunk
//! that speak to the question, quoted and cited. Kept apart from the knowledge base's storage
//! and jobs because it is pure: a retrieval in, an answer with its grounding verdict out.

use crate::chunk;
use crate::grounding;
use crate::kb::{Answer, Citation, Retrieval, NOT_STATED};
use crate::rank::Scored;

/// Composes an answer from the chunks that passed: the lines of each that speak to the
/// question, quoted and cited; "not stated" when none passed. The grounding check runs on the
/// result, and an answer that fails it is held.
pub fn compose(retrieval: Retrieval) -> Answer {
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
        asked_fact_missing(&retrieval.question, &texts)
    };
    if let Some(reason) = unstated {
        return not_stated(retrieval, reason);
    }
    let asked = crate::terms::content_stems(&retrieval.question);
    let mut quotes = Vec::new();
    let mut citations = Vec::new();
    for s in &passed {
        let marker = citations.len() + 1;
        let pieces: Vec<String> = s
            .candidate
            .text
            .lines()
            .flat_map(|l| {
                let l = l.trim().trim_start_matches("- ").to_owned();
                if l.len() > 200 {
                    chunk::sentences(&l)
                } else {
                    vec![l]
                }
            })
            .filter(|p| !p.is_empty())
            .collect();
        let mut scored: Vec<(usize, &String)> = pieces
            .iter()
            .map(|p| {
                let have = crate::terms::content_stems(&format!("{} {p}", s.candidate.section));
                (
                    asked
                        .iter()
                        .filter(|a| crate::categories::covers(a, &have))
                        .count(),
                    p,
                )
            })
            .collect();
        scored.sort_by_key(|s| std::cmp::Reverse(s.0));
        let best = scored.first().map(|(n, _)| *n).unwrap_or(0);
        // A passage none of whose lines speaks to at least half of what was asked is about the
        // topic, not an answer: it is not quoted.
        if !speaks_to(best, asked.len()) {
            continue;
        }
        let chosen: Vec<&String> = if best == 0 {
            pieces.iter().take(2).collect()
        } else {
            pieces
                .iter()
                .filter(|p| scored.iter().any(|(n, q)| q == p && *n == best))
                .take(3)
                .collect()
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
fn asked_fact_missing(question: &str, texts: &[String]) -> Option<String> {
    let evidence = texts.join("\n");
    for claim in grounding::claims(question) {
        if matches!(
            claim.kind,
            grounding::ClaimKind::Location
                | grounding::ClaimKind::Technology
                | grounding::ClaimKind::Benefit
        ) && !grounding::check(&claim.text, &[evidence.as_str()]).passed()
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
        if !near {
            return Some(
                "the question asks for a quantity and no passage states one for it".into(),
            );
        }
    }
    None
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
    fn markers_are_not_claims() {
        assert_eq!(
            strip_markers("Rust [1]. Go [2] and [x]"),
            "Rust . Go  and [x]"
        );
    }
}
