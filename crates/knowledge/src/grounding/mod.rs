//! The grounding check: every checkable claim in an answer (amounts of money, numbers, dates,
//! durations, locations, named technologies, benefits) must appear in the chunks it cites. An
//! answer that fails is held with its reasons instead of being shown.
//!
//! Claims are found by patterns and word lists, not by a model: the check must be cheap,
//! deterministic and explainable to the reviewer who reads the reasons.

pub(crate) mod lexicon;
mod places;

pub(crate) use places::{countries_by_city, names_of, stated_by_its_city};

pub(crate) use lexicon::compound_number;
use lexicon::{number_word, BENEFITS, LOCATIONS, TECHNOLOGIES};
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimKind {
    Money,
    Number,
    Date,
    Duration,
    Location,
    Technology,
    Benefit,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    pub kind: ClaimKind,
    /// As written in the answer.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Grounding {
    pub claims: Vec<Claim>,
    pub unsupported: Vec<Claim>,
}

impl Grounding {
    pub fn passed(&self) -> bool {
        self.unsupported.is_empty()
    }

    /// One line per unsupported claim, for the reviewer.
    pub fn reasons(&self) -> Vec<String> {
        self.unsupported
            .iter()
            .map(|c| {
                format!(
                    "{:?} \"{}\" is not in the cited job description text",
                    c.kind, c.text
                )
                .to_lowercase()
            })
            .collect()
    }
}

static MONEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:[€$£]\s?\d[\d,.]*(?:\s?[km]\b)?|\b\d[\d,.]*(?:\s?[km])?\s?(?:eur|euros?|usd|dollars?|gbp|pounds?|chf)\b)").expect("money pattern")
});
static DURATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)\b(\d+(?:\.\d+)?|{})\+?(?:\s?[-–]\s?\d+)?\s+(?:working\s+|paid\s+|calendar\s+)?(years?|months?|weeks?|days?|hours?)\b",
        lexicon::number_word_alternation()
    ))
    .expect("duration pattern")
});
static DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:(?:\d{1,2}\s+)?(?:january|february|march|april|may|june|july|august|september|october|november|december)(?:\s+\d{1,2})?(?:,?\s+\d{4})?|q[1-4]\s+\d{4}|(?:19|20)\d{2})\b").expect("date pattern")
});
static NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b\d[\d,.]*%?").expect("number pattern"));
static NUMBER_WORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)\b({}|hundred)\b",
        lexicon::number_word_alternation()
    ))
    .expect("number word pattern")
});

/// Every numeric value a text states, normalised: "€90k", "90,000" and "90000" are all 90000;
/// "six" is 6.
pub fn numbers(text: &str) -> Vec<f64> {
    let mut out = Vec::new();
    let lower = text.to_lowercase();
    for m in NUMBER.find_iter(&lower) {
        let raw = m.as_str().trim_end_matches(['.', ',', '%']);
        let digits = raw.replace(',', "");
        let Ok(mut v) = digits.parse::<f64>() else {
            continue;
        };
        let rest = &lower[m.end()..];
        let rest = rest.trim_start();
        if rest.starts_with('k') && !rest[1..].starts_with(char::is_alphabetic) {
            v *= 1000.0;
        } else if rest.starts_with('m') && !rest[1..].starts_with(char::is_alphabetic) {
            v *= 1_000_000.0;
        }
        out.push(v);
    }
    for m in NUMBER_WORD.find_iter(&lower) {
        if let Some(v) = number_word(m.as_str()) {
            out.push(v);
        }
    }
    out
}

pub(crate) fn contains_phrase(haystack: &str, phrase: &str) -> bool {
    let hay = format!(" {} ", crate::terms::words(haystack).join(" "));
    let needle = crate::terms::words(phrase).join(" ");
    if needle.is_empty() {
        return false;
    }
    hay.contains(&format!(" {needle} "))
        || hay.contains(&format!(" {needle}s "))
        || hay.contains(&format!(" {needle}es "))
}

/// The checkable claims an answer makes.
pub fn claims(answer: &str) -> Vec<Claim> {
    let mut out: Vec<Claim> = Vec::new();
    let mut covered: Vec<(usize, usize)> = Vec::new();
    let push = |kind, m: regex::Match, out: &mut Vec<Claim>, covered: &mut Vec<(usize, usize)>| {
        if covered.iter().any(|(s, e)| m.start() < *e && m.end() > *s) {
            return;
        }
        covered.push((m.start(), m.end()));
        out.push(Claim {
            kind,
            text: m.as_str().trim().to_owned(),
        });
    };
    for m in MONEY.find_iter(answer) {
        push(ClaimKind::Money, m, &mut out, &mut covered);
    }
    for m in DURATION.find_iter(answer) {
        push(ClaimKind::Duration, m, &mut out, &mut covered);
    }
    for m in DATE.find_iter(answer) {
        push(ClaimKind::Date, m, &mut out, &mut covered);
    }
    for m in NUMBER.find_iter(answer) {
        push(ClaimKind::Number, m, &mut out, &mut covered);
    }
    let words = format!(" {} ", crate::terms::words(answer).join(" "));
    for (kind, list) in [
        (ClaimKind::Location, LOCATIONS),
        (ClaimKind::Technology, TECHNOLOGIES),
        (ClaimKind::Benefit, BENEFITS),
    ] {
        for item in list {
            let needle = crate::terms::words(item).join(" ");
            let found =
                words.contains(&format!(" {needle} ")) || words.contains(&format!(" {needle}s "));
            // "stock" inside "stock options" is one claim, not two.
            if found && !out.iter().any(|c| c.kind == kind && c.text.contains(item)) {
                out.push(Claim {
                    kind,
                    text: (*item).to_owned(),
                });
            }
        }
    }
    out
}

/// Whether one claim is supported by the evidence text.
fn supported(claim: &Claim, evidence: &str, evidence_numbers: &[f64]) -> bool {
    match claim.kind {
        ClaimKind::Money | ClaimKind::Number | ClaimKind::Duration => {
            let stated = numbers(&claim.text);
            !stated.is_empty()
                && stated
                    .iter()
                    .all(|v| evidence_numbers.iter().any(|e| (e - v).abs() < 1e-6))
                && (claim.kind != ClaimKind::Duration || {
                    let unit = claim.text.split_whitespace().last().unwrap_or("");
                    contains_phrase(evidence, crate::terms::stem(unit).as_str())
                        || contains_phrase(evidence, unit)
                })
        }
        ClaimKind::Date => {
            let nums = numbers(&claim.text);
            let months_ok = claim
                .text
                .split_whitespace()
                .filter(|w| w.chars().all(char::is_alphabetic) && w.len() > 2)
                .all(|w| contains_phrase(evidence, w));
            months_ok
                && nums
                    .iter()
                    .all(|v| evidence_numbers.iter().any(|e| (e - v).abs() < 1e-6))
        }
        ClaimKind::Location | ClaimKind::Technology | ClaimKind::Benefit => {
            contains_phrase(evidence, &claim.text)
        }
    }
}

/// Checks `answer` against the text of the chunks it cites.
pub fn check(answer: &str, cited: &[&str]) -> Grounding {
    let evidence = cited.join("\n");
    let evidence_numbers = numbers(&evidence);
    let claims = claims(answer);
    let unsupported = claims
        .iter()
        .filter(|c| !supported(c, &evidence, &evidence_numbers))
        .cloned()
        .collect();
    Grounding {
        claims,
        unsupported,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHUNK: &str = "The base salary range is €85,000–€105,000 plus equity. We offer 28 days of paid holiday, private health insurance and a €1,500 learning budget. The team works from Lisbon and remotely within CET ±2 hours, using Rust, PostgreSQL and Kafka. On-call is one week in six. The role starts in March 2027.";

    #[test]
    fn claims_of_every_kind_are_found() {
        let found = claims("It pays €90k and $120,000, offers 25 days of holiday, health insurance and stock options, is based in Berlin, uses Go and Kubernetes, starts in June 2026, and has 3 teams.");
        let kinds: Vec<ClaimKind> = found.iter().map(|c| c.kind).collect();
        for k in [
            ClaimKind::Money,
            ClaimKind::Duration,
            ClaimKind::Date,
            ClaimKind::Number,
            ClaimKind::Location,
            ClaimKind::Technology,
            ClaimKind::Benefit,
        ] {
            assert!(kinds.contains(&k), "{k:?} missing from {found:#?}");
        }
        assert!(found.iter().any(|c| c.text == "€90k"));
        assert!(found.iter().any(|c| c.text == "stock options"));
        assert!(!found.iter().any(|c| c.text == "stock"), "{found:#?}");
    }

    #[test]
    fn an_answer_restating_the_chunk_passes() {
        let g = check("The salary range is €85,000 to €105,000 plus equity, with 28 days of paid holiday, from Lisbon; on-call is one week in six. The stack is Rust and PostgreSQL; it starts in March 2027.", &[CHUNK]);
        assert!(g.passed(), "{:#?}", g.unsupported);
        assert!(g.claims.len() >= 6);
        // The same amount written differently is the same claim.
        assert!(check("It pays up to €105k.", &[CHUNK]).passed());
    }

    #[test]
    fn invented_facts_fail_with_reasons() {
        let g = check("The salary is $150,000 with 30 days of holiday in Berlin, using Go, with a gym membership, from April 2026.", &[CHUNK]);
        assert!(!g.passed());
        let bad: Vec<&str> = g.unsupported.iter().map(|c| c.text.as_str()).collect();
        for expected in ["$150,000", "30 days", "berlin", "go", "gym", "April 2026"] {
            assert!(
                bad.iter().any(|b| b.eq_ignore_ascii_case(expected)),
                "{expected} not flagged in {bad:?}"
            );
        }
        assert!(g.reasons().iter().any(|r| r.contains("$150,000")));
    }

    #[test]
    fn a_duration_in_compound_words_is_checked_as_one_number() {
        let leave = "Everyone gets twenty-four days of annual leave.";
        let g = check("You get twenty-four days of annual leave.", &[leave]);
        assert!(g.passed(), "{:#?}", g.unsupported);
        assert!(check("You get 24 days of annual leave.", &[leave]).passed());
        assert!(!check("You get four days of annual leave.", &[leave]).passed());
        assert!(!check("You get fourteen days of annual leave.", &[leave]).passed());
    }

    #[test]
    fn a_salary_against_a_description_without_pay_fails() {
        let no_pay = "We offer 28 days of paid holiday and a learning budget.";
        assert!(!check("The salary is around 80k EUR.", &[no_pay]).passed());
        assert!(!check("It pays 100000 a year.", &[no_pay]).passed());
        assert!(check("The job description does not state that.", &[]).passed());
    }

    #[test]
    fn numbers_normalise() {
        assert_eq!(numbers("€90k"), vec![90000.0]);
        assert_eq!(numbers("90,000"), vec![90000.0]);
        assert_eq!(numbers("one week in six"), vec![1.0, 6.0]);
        assert_eq!(numbers("twenty-four days"), vec![24.0]);
        assert_eq!(numbers("sixteen weeks, ninety days"), vec![16.0, 90.0]);
    }
}
