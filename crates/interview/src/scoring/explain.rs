//! The words of a score: the rationale (what the answer did and lacked), what a strong answer
//! would cover, and the candidate's sentence closest to the requirement. Apart from the signals
//! in the parent module because these only phrase what the signals found.

use super::meaning::Meaning;
use super::signals::Specifics;
use crate::roles::Requirement;

/// What a strong answer would have: the points it missed, and the specifics it lacked.
pub(super) fn strong_answer(points: &[String], had: &Specifics) -> String {
    let points: Vec<String> = points
        .iter()
        .map(|p| crate::need::lower_common(p))
        .collect();
    let mut with: Vec<String> = Vec::new();
    if !had.measured {
        with.push("a measured result".into());
    }
    if !had.example {
        with.push("an example from your own work".into());
    }
    if !had.trade_off {
        with.push("a trade-off you weighed".into());
    }
    let mut out = format!(
        "A strong answer would speak to {}",
        crate::need::join_list(&points)
    );
    if !with.is_empty() {
        out.push_str(&format!(", with {}", crate::need::join_list(&with)));
    }
    out.push('.');
    out
}

/// The rationale in words: what the answer did and did not do.
pub(super) fn describe(
    relevance: f32,
    covered: usize,
    points: usize,
    s: Specifics,
    depth: f32,
) -> String {
    let mut did: Vec<String> = Vec::new();
    let mut missed: Vec<&str> = Vec::new();
    did.push(if relevance >= 0.75 {
        "stayed on the requirement".to_owned()
    } else {
        "partly addressed the requirement".to_owned()
    });
    if points > 1 {
        did.push(format!("covered {covered} of its {points} points"));
    }
    if s.measured {
        did.push("gave a measured result".into());
    } else {
        missed.push("a measured result");
    }
    if s.example {
        did.push("drew on your own work".into());
    } else {
        missed.push("an example from your own work");
    }
    if s.trade_off {
        did.push("named a trade-off".into());
    } else {
        missed.push("a trade-off");
    }
    if depth < 0.4 {
        missed.push("more detail");
    }
    let mut out = format!("The answer {}.", crate::need::join_list(&did));
    if !missed.is_empty() {
        let missed: Vec<String> = missed.iter().map(|m| (*m).to_owned()).collect();
        out.push_str(&format!(" It lacked {}.", crate::need::join_list(&missed)));
    }
    out
}

/// The candidate's sentence closest to the requirement, verbatim (shortened past 240
/// characters).
pub(super) fn best_sentence(
    sentences: &[String],
    r: &Requirement,
    meaning: &Meaning,
    floor: f32,
) -> Option<String> {
    sentences
        .iter()
        .map(|s| (meaning.similarity(s, &r.text), s))
        .filter(|(sim, _)| *sim >= floor)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, s)| {
            if s.chars().count() > 240 {
                format!("{}…", s.chars().take(240).collect::<String>())
            } else {
                s.clone()
            }
        })
}
