//! Checking a generated answer against the passages it was given: its `[n]` citations are
//! resolved and renumbered, citations of passages the search never returned are flagged, and
//! the grounding check runs against exactly the cited passages. This is the part of the
//! generative answer that decides whether a candidate may see it, so it sits on its own, where
//! it can be read and unit-tested without the agent, the gateway or a model.

use crate::grounding;
use crate::kb::{Answer, Citation, Retrieval, NOT_STATED};

/// The model's text after the checks: "not stated" when it says so (and cites nothing);
/// otherwise its citations resolved to the passages it was given, renumbered in order of first
/// use, and the grounding check run against exactly those passages. An answer that cites
/// nothing, or a passage it was never given, is held.
pub fn checked(text: &str, given: &[Citation], retrieval: Retrieval) -> Answer {
    let text = text.trim();
    let markers = markers(text);
    if markers.is_empty() && says_not_stated(text) {
        return Answer {
            text: NOT_STATED.to_owned(),
            citations: Vec::new(),
            grounding: grounding::check(NOT_STATED, &[]),
            held: false,
            flags: vec!["the model found no passage that answers".to_owned()],
            retrieval,
        };
    }
    let mut flags = Vec::new();
    let mut citations: Vec<Citation> = Vec::new();
    for m in &markers {
        match given.iter().find(|c| c.marker == *m) {
            Some(c) if !citations.iter().any(|k| k.chunk_id == c.chunk_id) => {
                citations.push(Citation {
                    marker: citations.len() + 1,
                    ..c.clone()
                });
            }
            Some(_) => {}
            None => flags.push(format!(
                "cites passage [{m}], which the search never returned"
            )),
        }
    }
    if markers.is_empty() {
        flags.push("the answer cites no passage".to_owned());
    }
    let renumbered = renumber(text, given, &citations);
    let cited: Vec<&str> = citations.iter().map(|c| c.text.as_str()).collect();
    let grounding = grounding::check(&crate::compose::strip_markers(&renumbered), &cited);
    flags.extend(grounding.reasons());
    Answer {
        text: renumbered,
        held: !flags.is_empty(),
        citations,
        grounding,
        flags,
        retrieval,
    }
}

fn says_not_stated(text: &str) -> bool {
    let lower = text.to_lowercase();
    [
        "does not state",
        "doesn't state",
        "does not say",
        "doesn't say",
        "not stated",
        "does not mention",
        "doesn't mention",
    ]
    .iter()
    .any(|p| lower.contains(p))
}

/// The numbers inside `[n]` markers, in order of appearance.
fn markers(text: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        match after.find(']') {
            Some(close) => {
                let inside = &after[..close];
                for part in inside.split(',') {
                    if let Ok(n) = part.trim().parse::<usize>() {
                        out.push(n);
                    }
                }
                rest = &after[close + 1..];
            }
            None => break,
        }
    }
    out
}

/// Rewrites the model's markers to the renumbered citations (unknown ones are left as written:
/// the answer is held anyway).
fn renumber(text: &str, given: &[Citation], cited: &[Citation]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find(']') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let inside = &after[..close];
        let mapped: Option<Vec<String>> = inside
            .split(',')
            .map(|p| {
                let n = p.trim().parse::<usize>().ok()?;
                let chunk = &given.iter().find(|c| c.marker == n)?.chunk_id;
                cited
                    .iter()
                    .find(|c| &c.chunk_id == chunk)
                    .map(|c| c.marker.to_string())
            })
            .collect();
        match mapped {
            Some(m) => out.push_str(&format!("[{}]", m.join(", "))),
            None => out.push_str(&format!("[{inside}]")),
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn given() -> Vec<Citation> {
        [
            (
                "a",
                "Benefits",
                "- 28 days of holiday\n- A learning budget of 1,000 EUR a year",
            ),
            (
                "b",
                "How we work",
                "- On-call one week in six\n- Remote within Europe",
            ),
        ]
        .iter()
        .enumerate()
        .map(|(i, (id, section, text))| Citation {
            marker: i + 1,
            chunk_id: (*id).into(),
            section: (*section).into(),
            text: (*text).into(),
        })
        .collect()
    }

    fn empty(question: &str) -> Retrieval {
        Retrieval {
            question: question.into(),
            ranked: Vec::new(),
        }
    }

    #[test]
    fn a_correct_cited_answer_is_shown_and_renumbered() {
        let a = checked(
            "You join on-call one week in six [2].",
            &given(),
            empty("How often is on-call?"),
        );
        assert!(!a.held, "{:?}", a.flags);
        assert_eq!(a.text, "You join on-call one week in six [1].");
        assert_eq!(a.citations.len(), 1);
        assert_eq!(a.citations[0].chunk_id, "b");
    }

    #[test]
    fn fabricated_figures_and_benefits_are_held() {
        for fabricated in [
            "The salary is 120,000 EUR a year [1].",
            "You get a free gym membership [1].",
            "You get 30 days of holiday [1].",
        ] {
            let a = checked(fabricated, &given(), empty("What are the benefits?"));
            assert!(a.held, "{fabricated}: {:?}", a.flags);
        }
    }

    #[test]
    fn uncited_or_unknown_citations_are_held() {
        let a = checked("You get 28 days of holiday.", &given(), empty("Holiday?"));
        assert!(a.held);
        let a = checked(
            "You get 28 days of holiday [7].",
            &given(),
            empty("Holiday?"),
        );
        assert!(a.held);
        assert!(a.flags.iter().any(|f| f.contains("[7]")), "{:?}", a.flags);
    }

    #[test]
    fn saying_not_stated_is_not_stated() {
        let a = checked(
            "The job description does not state that.",
            &given(),
            empty("What is the salary?"),
        );
        assert_eq!(a.text, NOT_STATED);
        assert!(!a.held);
    }
}
