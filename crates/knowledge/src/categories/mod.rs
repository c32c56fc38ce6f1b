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
        .chain(countries())
        .collect()
});

/// Each country of the grounding lexicon as a category whose members are its cities ("Finland"
/// asked, "Helsinki" stated), by its one-word names; a city of several words is one word here
/// ([`city_word`]), as [`phrase_members`] states it.
fn countries() -> Vec<(Vec<String>, Vec<String>)> {
    use crate::grounding::lexicon::{CITY_COUNTRIES, COUNTRY_NAMES};
    let mut out: Vec<(Vec<String>, Vec<String>)> = Vec::new();
    for (city, country) in CITY_COUNTRIES {
        let member = city_word(city);
        match out.iter_mut().find(|(names, _)| names[0] == *country) {
            Some((_, members)) => members.push(member),
            None => {
                let others = COUNTRY_NAMES
                    .iter()
                    .find(|(c, _)| c == country)
                    .map_or(&[][..], |(_, others)| *others);
                out.push((vec![(*country).to_owned()], vec![member]));
                out.last_mut()
                    .expect("just pushed")
                    .0
                    .extend(others.iter().map(|o| (*o).to_owned()));
            }
        }
    }
    // Names of several words cannot be a question's stem; the first entry was the key above.
    out.into_iter()
        .map(|(names, members)| {
            let names = names
                .iter()
                .filter(|n| !n.contains(' '))
                .map(|n| stem(n))
                .collect();
            (names, members)
        })
        .collect()
}

/// A city's name as one member word: the stem of a one-word name, the words of a longer one
/// run together ("new york": "newyork").
fn city_word(city: &str) -> String {
    if city.contains(' ') {
        city.replace(' ', "")
    } else {
        stem(city)
    }
}

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
    let mut have = crate::terms::content_stems(&format!("{section} {text}"));
    have.extend(phrase_members(&text));
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
        // "Our process has three parts" counts rounds; "part of a team" does not.
        (" parts", "round"),
    ]
    .iter()
    .filter(|(phrase, _)| lower.contains(phrase))
    .map(|(_, member)| stem(member))
    .chain(
        crate::grounding::lexicon::CITY_COUNTRIES
            .iter()
            .filter(|(city, _)| city.contains(' ') && lower.contains(city))
            .map(|(city, _)| city_word(city)),
    )
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
