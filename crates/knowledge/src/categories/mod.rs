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
        // Health insurance under the names countries give it; "health" alone is no member, or
        // "mental health support" would meet a dental plan.
        ("hospitalisation insurance", "health"),
        ("hospitalization insurance", "health"),
        ("medical insurance", "health"),
        ("medical cover", "health"),
        // A take-home is homework, in any text.
        ("take-home", "homework"),
        ("take home", "homework"),
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
    .chain(weekend_days(&lower))
    .collect()
}

/// A Saturday or a Sunday worked is a weekend ("roughly one Saturday in six", "on Saturday
/// mornings"), not any Saturday named: "the Sunday Times", "leave counted with Saturdays
/// included".
fn weekend_days(lower: &str) -> Option<String> {
    const BEFORE: &[&str] = &["on", "one", "every", "each", "some", "alternate", "most"];
    const AFTER: &[&str] = &[
        "morning",
        "mornings",
        "afternoon",
        "afternoons",
        "shift",
        "shifts",
        "work",
        "duty",
    ];
    let words = crate::terms::words(lower);
    words
        .iter()
        .enumerate()
        .any(|(i, w)| {
            ["saturday", "saturdays", "sunday", "sundays"].contains(&w.as_str())
                && ((i > 0 && BEFORE.contains(&words[i - 1].as_str()))
                    || words
                        .get(i + 1)
                        .is_some_and(|n| AFTER.contains(&n.as_str())))
        })
        .then(|| stem("weekend"))
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

/// Whether a text answers "which <category>" (`asked`, the name's stem): it names a member
/// ("Buildkite" for "which CI system"), or one of its lines states there is none
/// ([`states_absence`]). One reading for ranking's order and for the choice of quoted lines.
pub fn answers_which(asked: &str, text: &str) -> bool {
    names_member(asked, &crate::terms::content_stems(text))
        || text.lines().any(|l| states_absence(asked, l))
}

/// The categories whose absence a job description states as an answer ("We do not use a public
/// cloud", "There is no message broker in the stack"), by a name's stem. Not every category:
/// "You do not need a background in operations research" says nothing of vetting.
const ABSENCE_STATED: &[&str] = &["cloud", "broker", "queue", "bus"];

/// Whether a line states that the category `asked` names is absent ("We do not use a public
/// cloud"): that answers "which cloud provider" as surely as a member does. Only for
/// [`ABSENCE_STATED`] ([`negated_noun`] says what a statement of absence is).
pub fn states_absence(asked: &str, line: &str) -> bool {
    // Only the words of ABSENCE_STATED, not every name of their categories: "We are not a
    // cloud provider" and "not streaming" state no absence of a cloud or a queue.
    static NAMES: LazyLock<Vec<String>> =
        LazyLock::new(|| ABSENCE_STATED.iter().map(|n| stem(n)).collect());
    NAMES.iter().any(|n| n == asked) && negated_noun(line, false, |s| NAMES.iter().any(|n| n == s))
}

/// Whether a line says there is none of what a yes/no question asks about ("Would I have to
/// carry a pager?": "There is no on-call rota."): a word covering one of the question's
/// content stems (`asked`), its own word or a member, is negated ([`negated_noun`]).
///
/// Only a plain statement that there is none: the negation opens the line or a sentence, or
/// follows "there is", "we have", "we do" and the like ("Fridays with no meetings" and "German
/// is helpful but not required" deny no daily stand-up and no degree); and never of a word
/// that only says how the thing stands ("required", "included", "paid").
pub fn denies(asked: &[String], line: &str) -> bool {
    const HOW_IT_STANDS: &[&str] = &[
        "required",
        "needed",
        "necessary",
        "included",
        "available",
        "possible",
        "allowed",
        "expected",
        "paid",
        "offered",
        "provided",
        "mandatory",
        "essential",
        "compulsory",
    ];
    static HOW: LazyLock<Vec<String>> =
        LazyLock::new(|| HOW_IT_STANDS.iter().map(|w| stem(w)).collect());
    negated_noun(line, true, |s| {
        !HOW.iter().any(|h| h == s)
            && asked
                .iter()
                .any(|a| covers(a, std::slice::from_ref(&s.to_owned())))
    })
}

/// Whether a line negates a noun that `is_thing` accepts (by its stem): a negation, then
/// within four words only a few verbs, determiners and modifiers (or other words `is_thing`
/// accepts: "no on-call rota"), then the noun, which ends there (the clause ends, or a joining
/// word follows). "No cloud experience needed", "No shared database" and "We use no
/// Terraform; cloud ..." negate no cloud.
///
/// `plainly`: only a negation that opens the line or a sentence, or follows a verb that states
/// what there is ("there is no", "we have no", "we do not").
fn negated_noun(line: &str, plainly: bool, is_thing: impl Fn(&str) -> bool) -> bool {
    const STATING: &[&str] = &[
        "is",
        "are",
        "has",
        "have",
        "do",
        "does",
        "did",
        "we",
        "there's",
        "there’s",
        "we're",
        "we’re",
        "it's",
        "it’s",
    ];
    const NEGATIONS: &[&str] = &["no", "not", "never", "without", "don't", "don’t"];
    const BETWEEN: &[&str] = &[
        "use", "run", "on", "in", "a", "an", "any", "the", "public", "message", "separate",
    ];
    const AFTER_A_NOUN: &[&str] = &[
        "in", "at", "for", "here", "and", "so", "because", "we", "but", "anywhere",
    ];
    let raw: Vec<&str> = line.split_whitespace().collect();
    let bare = |w: &str| {
        w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’')
            .to_lowercase()
    };
    let ends_clause = |w: &str| w.ends_with(|c: char| ".,;:!?)".contains(c));
    raw.iter().enumerate().any(|(i, w)| {
        if !is_thing(&stem(&bare(w))) {
            return false;
        }
        let ends_noun = ends_clause(w)
            || raw
                .get(i + 1)
                .is_none_or(|next| AFTER_A_NOUN.contains(&bare(next).as_str()));
        let negated = (i.saturating_sub(4)..i).any(|k| {
            // A sentence opens at the line's start or after ".", "!" or "?" (not a comma:
            // "Quiet Fridays, no meetings"); after "is" or "are" only "no" says there is none
            // ("Deploys are not daily" describes them).
            let before = k.checked_sub(1).map(|b| bare(raw[b]));
            let opens = k == 0 || raw[k - 1].ends_with(['.', '!', '?']);
            let negation = bare(raw[k]);
            let stated = before.as_deref().is_some_and(|b| {
                STATING.contains(&b)
                    && (negation == "no" || ["do", "does", "did", "we"].contains(&b))
            });
            NEGATIONS.contains(&negation.as_str())
                && (!plainly || opens || stated)
                && raw[k + 1..i].iter().all(|b| {
                    !ends_clause(b)
                        && (BETWEEN.contains(&bare(b).as_str()) || is_thing(&stem(&bare(b))))
                })
        });
        ends_noun && negated
    })
}

#[cfg(test)]
mod tests;
