//! The topic guard: some questions can only be answered by a chunk that states a particular
//! kind of fact (asked about pay, a chunk with no figure or pay word is no answer, however
//! similar it reads). The scores in the parent measure likeness; this rule measures whether the
//! evidence is there at all, and keeps its word lists apart from the scoring.

use crate::terms;

/// Topics a question can ask about whose answer must contain a specific kind of evidence:
/// asked about pay, a chunk that does not talk about pay is no answer, however similar.
const TOPICS: &[(&[&str], &[&str])] = &[(
    &[
        "salary",
        "salari",
        "pay",
        "compensation",
        "wage",
        "earn",
        "bonus",
        "equity",
        "stock",
        "money",
        "ote",
    ],
    &[
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
)];

fn stems_of(text: &str) -> Vec<String> {
    terms::words(text).iter().map(|w| terms::stem(w)).collect()
}

/// The topic evidence a question requires, if it asks about a guarded topic.
pub(super) fn required_evidence(question: &str) -> Option<&'static [&'static str]> {
    let asked = stems_of(question);
    TOPICS
        .iter()
        .find(|(triggers, _)| triggers.iter().any(|t| asked.contains(&terms::stem(t))))
        .map(|(_, evidence)| *evidence)
}

pub(super) fn has_evidence(text: &str, evidence: &[&str]) -> bool {
    let lower = text.to_lowercase();
    let stems = stems_of(text);
    evidence.iter().any(|e| {
        if e.chars().all(char::is_alphanumeric) {
            // Stemmed alike: "bonus" is "bonu" to the stemmer, on both sides.
            stems.contains(&terms::stem(e))
        } else {
            lower.contains(e)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bonus_is_a_question_about_pay_and_stated_pay() {
        let evidence = required_evidence("Is there a signing bonus?").expect("a pay question");
        assert!(has_evidence("An annual bonus of up to 10%.", evidence));
        assert!(!has_evidence("A learning budget for books.", evidence));
        assert!(required_evidence("Which database sits behind the ledger?").is_none());
    }
}
