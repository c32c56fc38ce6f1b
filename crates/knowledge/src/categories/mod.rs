//! What a candidate names as a category that a job description states as an instance: "which
//! database" is answered by "PostgreSQL", "is there a pension" by "a 401(k)", "how often" by
//! "one week in six". Reranking's coverage and the choice of quoted lines count an instance as
//! the category asked, so the passage that names the instance is found and quoted rather than
//! declined. A closed, reviewed word list, not a model: cheap, deterministic, and explainable to
//! a reviewer. Lists of well-known members only; a member missing here is still found by
//! meaning (the vector half of retrieval), just with less help.

use crate::terms::stem;
use std::sync::LazyLock;

mod lists;

use lists::CATEGORIES;

/// A category: the words for it, and the words for its members.
struct Category {
    /// Words a question uses for the category.
    names: &'static [&'static str],
    /// Words a job description uses for a member of it.
    members: &'static [&'static str],
}

/// Each category's names and members as stems, computed once: coverage asks for them for every
/// candidate chunk and every line of a quote.
static STEMMED: LazyLock<Vec<(Vec<String>, Vec<String>)>> = LazyLock::new(|| {
    let stems = |words: &[&str]| words.iter().map(|w| stem(w)).collect::<Vec<_>>();
    CATEGORIES
        .iter()
        .map(|c| (stems(c.names), stems(c.members)))
        .collect()
});

/// Whether a passage whose content stems are `have` covers the question's stem `asked`: it
/// states the word itself, or a member of the category the word names.
pub fn covers(asked: &str, have: &[String]) -> bool {
    have.iter().any(|h| h == asked) || names_member(asked, have)
}

/// What a passage (its heading and one text of it) states, for matching the question's stems
/// with [`covers`]: its content stems, with paying for a cost read as covering it ("we pay for
/// conference travel" states no pay), and the members it states as phrases. One reading for
/// ranking's coverage of a chunk and for the choice of its quoted lines.
pub fn passage_stems(section: &str, text: &str) -> Vec<String> {
    let text = crate::terms::paying_for_a_cost_as_cover(text);
    let whole = format!("{section}\n{text}");
    let mut have = crate::terms::content_stems(&whole);
    have.extend(phrase_members(&whole));
    have
}

/// Members a text states as a phrase rather than a word: "time off" is leave ("off" alone is in
/// "off-site" and "sign-off", so it is no member by itself); "you will report to Claire" names
/// the manager ("reporting pipelines" does not).
pub fn phrase_members(text: &str) -> Vec<String> {
    let lower = text.to_lowercase();
    [
        ("time off", "leave"),
        ("report to", "manager"),
        ("reports to", "manager"),
        ("reporting to", "manager"),
    ]
    .iter()
    .filter(|(phrase, _)| lower.contains(phrase))
    .map(|(_, member)| stem(member))
    // A city named as a place states its country ("in central Helsinki": Finland), by each
    // of the country's one-word names.
    .chain(
        crate::grounding::countries_by_city(text)
            .into_iter()
            .flat_map(crate::grounding::names_of)
            .filter(|n| !n.contains(' '))
            .map(stem),
    )
    .chain(hiring_members(&lower))
    .collect()
}

/// Words that put a text in a hiring process, where [`HIRING_MEMBERS`] mean what a candidate
/// asks about.
const HIRING: &[&str] = &[
    "interview",
    "hiring",
    "hire",
    "recruit",
    "take-home",
    "take home",
];

/// In a hiring process, a candidate's "test" is an exercise, assignment or assessment, and its
/// "rounds" are stages, steps or parts ("our hiring process has three parts"). Elsewhere these
/// words mean other things ("security assessments", "two parts of our billing platform", "a
/// CI pipeline of five stages"), so they count only beside a hiring word.
const HIRING_MEMBERS: &[(&str, &str)] = &[
    ("exercise", "test"),
    ("exercises", "test"),
    ("assignment", "test"),
    ("assignments", "test"),
    ("assessment", "test"),
    ("assessments", "test"),
    ("stage", "round"),
    ("stages", "round"),
    ("step", "round"),
    ("steps", "round"),
    ("part", "round"),
    ("parts", "round"),
];

/// The members a text in a hiring process states ([`HIRING_MEMBERS`]), from its lowercased text.
fn hiring_members(lower: &str) -> Vec<String> {
    if !HIRING.iter().any(|h| lower.contains(h)) {
        return Vec::new();
    }
    let words = crate::terms::words(lower);
    HIRING_MEMBERS
        .iter()
        .filter(|(word, _)| words.iter().any(|w| w == word))
        .map(|(_, member)| stem(member))
        .collect()
}

/// The category a "which ..." or "what ..." question asks for ("Which CI system do you use?":
/// the CI category; "What days are in the office?": days), as the stem of its name: the first
/// or second content word after "which" or "what", when it names a category.
pub fn asked_for(question: &str) -> Option<String> {
    let words = crate::terms::words(question);
    let at = words.iter().position(|w| w == "which" || w == "what")?;
    words[at + 1..]
        .iter()
        .filter(|w| !crate::terms::is_stop(w))
        .take(2)
        .map(|w| stem(w))
        .find(|s| STEMMED.iter().any(|(names, _)| names.contains(s)))
}

/// Whether a line whose content stems are `have` names a member of the category `asked`
/// names (an instance, not the category's own word): "Buildkite" for "which CI system".
pub fn names_member(asked: &str, have: &[String]) -> bool {
    STEMMED
        .iter()
        .filter(|(names, _)| names.iter().any(|n| n == asked))
        .flat_map(|(_, members)| members)
        .any(|m| have.contains(m))
}

#[cfg(test)]
mod tests;
