//! Answers about the role, composed only from retrieved chunks: the lines of each passing chunk
//! that speak to the question, quoted and cited. Kept apart from the knowledge base's storage
//! and jobs because it is pure: a retrieval in, an answer with its grounding verdict out.

use crate::chunk;
use crate::grounding;
use crate::kb::{Answer, Citation, Retrieval, NOT_STATED};
use crate::rank::Scored;
use shape::{asks_yes_or_no, states_a_time_of_day};
use std::collections::HashMap;
use unstated::asked_fact_missing;

mod shape;
mod unstated;

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

/// The cosine at which a line of a chunk under the relevance floors vouches for the chunk, when
/// the line also shares one of the question's content words (or names a member of a category
/// the question names): a chunk's vector averages its lines, so one line that answers among
/// several that do not can leave the chunk under the floors. Measured on the read eval sets
/// (README, "Retrieval evaluation").
pub const LINE_VOUCHES: f32 = 0.5;

/// How far under the relevance floor a chunk is "just under" it: then a line sharing one of the
/// question's words vouches for it, however close in meaning, provided the chunk cleared the
/// cosine floor. The answering chunks that missed the floor on the read eval sets scored
/// 0.18-0.19 against the floor of 0.2; the chunks further down were about something else that
/// happened to share a word.
pub const JUST_UNDER: f64 = 0.05;

/// The chunks among `near` (the best that missed only the relevance floors:
/// [`crate::rank::near_misses`]) that one of their own lines vouches for ([`vouches`]), given
/// how close in meaning each line is to the question.
pub fn vouched(
    question: &str,
    near: &[&Scored],
    meaning: &LineMeaning,
    thresholds: crate::rank::Thresholds,
) -> Vec<String> {
    let asked = crate::terms::content_stems(&crate::terms::plain_question(question));
    near.iter()
        .filter(|s| {
            let within =
                s.rerank < thresholds.min_rerank && s.rerank >= thresholds.min_rerank - JUST_UNDER;
            let just_under = within && s.candidate.cosine.unwrap_or(0.0) >= thresholds.min_cosine;
            lines(&s.candidate.text).iter().any(|l| {
                vouches(&asked, l, meaning.of(l), just_under)
                    || (within && speaks_by_its_words(&asked, l))
            })
        })
        .map(|s| s.candidate.chunk_id.clone())
        .collect()
}

/// Whether a line of a chunk under the floors answers the question closely enough to pass the
/// chunk: the line itself (not its heading) shares one of the question's content stems
/// (`asked`, as [`crate::terms::plain_question`] reads it), and is close in meaning
/// ([`LINE_VOUCHES`]) unless its chunk is [`JUST_UNDER`] the floor.
pub fn vouches(asked: &[String], line: &str, cosine: f32, just_under: bool) -> bool {
    if cosine < LINE_VOUCHES && !just_under {
        return false;
    }
    let have = crate::categories::passage_stems("", line);
    asked.iter().any(|a| crate::categories::covers(a, &have))
}

/// Whether a line shares at least half of the question's content stems (`asked`), itself or
/// by a category's member, and at least two of them or all: then a chunk within
/// [`JUST_UNDER`] of the relevance floor passes whatever its cosine. A chunk's vector blurs
/// one line among many: "How much holiday do I get?" met a prose paragraph stating "thirty
/// days of annual leave" at a cosine of 0.09.
pub fn speaks_by_its_words(asked: &[String], line: &str) -> bool {
    let covered = coverage(asked, &crate::categories::passage_stems("", line));
    covered > 0 && speaks_to(covered, asked.len()) && (covered >= 2 || covered == asked.len())
}

/// How many of the question's content stems (`asked`) a passage whose stems are `have` covers,
/// itself or by a category's member: one count for the choice of quoted lines and for a near
/// miss's second look.
fn coverage(asked: &[String], have: &[String]) -> usize {
    asked
        .iter()
        .filter(|a| crate::categories::covers(a, have))
        .count()
}

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
    lines_of(retrieval.passed())
}

/// The lines of some chunks, each once, in order.
pub fn lines_of<'a>(chunks: impl IntoIterator<Item = &'a Scored>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in chunks {
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
    let plain = crate::terms::plain_question(&retrieval.question);
    let quantity = unstated::asks_quantity(&retrieval.question);
    let asked = if quantity {
        unstated::without_rates(crate::terms::content_stems(&plain))
    } else {
        crate::terms::content_stems(&plain)
    };
    let which = crate::categories::asked_for(&plain);
    let yes_no = asks_yes_or_no(&plain);
    let mut quotes = Vec::new();
    let mut citations = Vec::new();
    for s in &passed {
        let marker = citations.len() + 1;
        let pieces = lines(&s.candidate.text);
        let covered = |p: &str| {
            let mut have = crate::categories::passage_stems(&s.candidate.section, p);
            // A time of day ("from 10:00 to 15:00") answers a question about hours.
            if states_a_time_of_day(p) {
                have.push("hour".to_owned());
            }
            // Asked yes or no ("Would I have to carry a pager?"), a line saying there is none
            // ("There is no on-call rota") answers all of it; a line that says yes to it in
            // as many words ("We can sponsor a work visa") is quoted beside it.
            if yes_no && crate::categories::denies(&asked, p) {
                return asked.len();
            }
            coverage(&asked, &have)
        };
        let scored: Vec<(usize, f32, &String)> = pieces
            .iter()
            .map(|p| (covered(p), meaning.of(p), p))
            .collect();
        let best = scored.iter().map(|(n, _, _)| *n).max().unwrap_or(0);
        // Asked "how many" or "how big", the lines that state a number answer ("The team
        // is twelve engineers"), not a line that only repeats what was asked ("The ML
        // team builds the platform"); among the lines that share a word with the
        // question, those stating a number, if any, with the most of its words.
        let numbered: Vec<&(usize, f32, &String)> = scored
            .iter()
            .filter(|(n, _, p)| quantity && *n > 0 && !grounding::numbers(p).is_empty())
            .collect();
        // Asked "which CI system", the lines that name one ("Buildkite") answer, whatever
        // else they share with the question; a line that only repeats "CI system" does not.
        let instances: Vec<&(usize, f32, &String)> = match &which {
            Some(c) => scored
                .iter()
                .filter(|(_, _, p)| crate::categories::answers_which(c, p))
                .collect(),
            None => Vec::new(),
        };
        // A passage none of whose lines speaks to at least half of what was asked, in its
        // words or in meaning, is about the topic, not an answer: it is not quoted.
        let chosen: Vec<&String> = if !instances.is_empty() {
            let most = instances.iter().map(|(n, _, _)| *n).max().unwrap_or(0);
            closest_in_order(
                instances.into_iter().filter(|(n, _, _)| *n == most),
                &pieces,
            )
        } else if best > 0 && (speaks_to(best, asked.len()) || !numbered.is_empty()) {
            match numbered.iter().map(|(n, _, _)| *n).max() {
                Some(most) => {
                    closest_in_order(numbered.into_iter().filter(|(n, _, _)| *n == most), &pieces)
                }
                // The lines with the most of the question's words; among them, the closest.
                None => closest_in_order(scored.iter().filter(|(n, _, _)| *n == best), &pieces),
            }
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

/// The three lines closest in meaning among `lines` (scored as (words covered, meaning,
/// line)), in the order the chunk states them.
fn closest_in_order<'a>(
    lines: impl Iterator<Item = &'a (usize, f32, &'a String)>,
    pieces: &[String],
) -> Vec<&'a String> {
    let mut top: Vec<&(usize, f32, &String)> = lines.collect();
    top.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut keep: Vec<&String> = top.iter().take(3).map(|(_, _, p)| *p).collect();
    keep.sort_by_key(|p| pieces.iter().position(|q| q == *p));
    keep
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
mod never_answer_tests;
#[cfg(test)]
mod reading_tests;
#[cfg(test)]
mod tests;
