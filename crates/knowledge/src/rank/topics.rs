//! The topic guard: some questions can only be answered by a chunk that states a particular
//! kind of fact (asked about pay, a chunk with no figure or pay word is no answer, however
//! similar it reads; asked whether the work is remote, a chunk that never says where the work
//! happens is none either). The scores in the parent measure likeness; this rule measures
//! whether the evidence is there at all, and keeps its word lists apart from the scoring.

use crate::terms;

/// A guarded topic: the phrases that make a question ask about it, and the phrases a chunk
/// must contain to answer it. A phrase is one word or several in a row ("from home"), compared
/// by stem, so "take-home" (two words, "take" then "home") is not "from home"; a phrase with a
/// symbol ("€") is found as written.
pub(super) struct Topic {
    /// What the topic is, for the reason shown on the admin page and the trace.
    pub(super) name: &'static str,
    triggers: &'static [&'static str],
    evidence: &'static [&'static str],
}

const TOPICS: &[Topic] = &[
    Topic {
        name: "pay",
        triggers: &[
            "salary",
            "salari",
            "pay",
            "compensation",
            "compensate",
            "compensated",
            "comp",
            "wage",
            "earn",
            "bonus",
            "equity",
            "stock",
            "money",
            "ote",
        ],
        evidence: &[
            "salary",
            "salari",
            "pay",
            "compensation",
            "wage",
            "bonus",
            "equity",
            "stock",
            "€",
            "$",
            "£",
            "eur",
            "usd",
            "gbp",
            "ote",
        ],
    },
    Topic {
        name: "where the work happens",
        triggers: &[
            "remote",
            "remotely",
            "wfh",
            "from home",
            "office",
            "onsite",
            "on site",
            "hybrid",
        ],
        evidence: &[
            "remote",
            "remotely",
            "from home",
            "office",
            "onsite",
            "on site",
            "in person",
            "hybrid",
            "studio",
            "headquarters",
            "from anywhere",
            "wherever",
            "commuting",
        ],
    },
];

fn stems_of(text: &str) -> Vec<String> {
    terms::words(text).iter().map(|w| terms::stem(w)).collect()
}

/// Whether the stemmed words `stems` of a text (`lower`, as written) contain `phrase`.
fn contains(stems: &[String], lower: &str, phrase: &str) -> bool {
    if !phrase.chars().all(|c| c.is_alphanumeric() || c == ' ') {
        return lower.contains(phrase);
    }
    let wanted = stems_of(phrase);
    !wanted.is_empty() && stems.windows(wanted.len()).any(|w| w == wanted.as_slice())
}

/// The topic a question asks about, if it asks about a guarded one.
pub(super) fn required_evidence(question: &str) -> Option<&'static Topic> {
    let asked = stems_of(question);
    let lower = question.to_lowercase();
    TOPICS
        .iter()
        .find(|t| t.triggers.iter().any(|p| contains(&asked, &lower, p)))
}

/// Whether a chunk's text states the kind of fact the topic needs.
pub(super) fn has_evidence(text: &str, topic: &Topic) -> bool {
    // "We pay for your flights" covers a cost; it states no pay.
    let text = &terms::paying_for_a_cost_as_cover(text);
    let lower = text.to_lowercase();
    let stems = stems_of(text);
    // Stemmed alike: "bonus" is "bonu" to the stemmer, on both sides.
    topic.evidence.iter().any(|e| contains(&stems, &lower, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bonus_is_a_question_about_pay_and_stated_pay() {
        let topic = required_evidence("Is there a signing bonus?").expect("a pay question");
        assert_eq!(topic.name, "pay");
        assert!(has_evidence("An annual bonus of up to 10%.", topic));
        assert!(!has_evidence("A learning budget for books.", topic));
        assert!(required_evidence("Which database sits behind the ledger?").is_none());
        // Paying for a cost is covering it, not a question about pay; paying for a role is.
        let cost = terms::plain_question("Will the company pay for a certification?");
        assert!(required_evidence(&cost).is_none());
        let role = terms::plain_question("What do you pay for a senior engineer?");
        assert!(required_evidence(&role).is_some());
        assert!(required_evidence("How are engineers compensated?").is_some());
    }

    #[test]
    fn working_from_home_needs_a_chunk_that_says_where_the_work_happens() {
        let topic =
            required_evidence("Can I work from home full-time?").expect("a question of place");
        assert_eq!(topic.name, "where the work happens");
        assert!(has_evidence("We meet in the office on Mondays.", topic));
        assert!(has_evidence("You can work from home on Fridays.", topic));
        // A take-home exercise is not working from home, asked or stated.
        assert!(!has_evidence(
            "A take-home exercise, capped at four hours.",
            topic
        ));
        assert!(required_evidence("Is there a take-home assignment?").is_none());
        assert!(required_evidence("Is this a fully remote role?").is_some());
    }
}
