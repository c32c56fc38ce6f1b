//! What the interviewer says, built from the role's requirements. The model may rephrase a
//! built question for a more natural voice; [`accept_rephrasing`] keeps the rephrasing only when
//! it is still a question about the same thing and adds no facts of its own.

use crate::flow::{Difficulty, FollowUpReason, Kind};
use crate::roles::{Requirement, Role};

fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

pub fn greeting(role: &Role, kind: Kind, questions: usize) -> String {
    let kind = match kind {
        Kind::Technical => "technical",
        Kind::SystemDesign => "system design",
        Kind::Behavioural => "behavioural",
    };
    format!(
        "Hello, and welcome to your {kind} interview for **{}**. {} \
         I will ask {questions} main questions, each about one of the role's requirements, with a follow-up \
         where it helps. Afterwards you can ask me about the role, and you will get written feedback. \
         Say when you are ready.",
        role.title, role.summary
    )
}

/// The main question for `requirement`.
pub fn main_question(requirement: &Requirement, kind: Kind, difficulty: Difficulty) -> String {
    let need = lower_first(requirement.text.trim_end_matches('.'));
    let body = match kind {
        Kind::Technical => format!(
            "The role asks you to {need}. Walk me through how you have done that, or how you would: which choices would you make, and why?"
        ),
        Kind::SystemDesign => format!(
            "Design a system for a team that must {need}. Start from the requirements, then the main components, and tell me how it behaves when parts fail."
        ),
        Kind::Behavioural => format!(
            "Tell me about a time you had to {need}. What was the situation, what did you do, and what was the result?"
        ),
    };
    let depth = match difficulty {
        Difficulty::Junior => " Keep to what you have actually done or studied.",
        Difficulty::Mid => "",
        Difficulty::Senior => " Include the trade-offs you rejected.",
    };
    format!("{body}{depth}")
}

pub fn follow_up(requirement: &Requirement, reason: FollowUpReason) -> String {
    match reason {
        FollowUpReason::Short => {
            let hints: Vec<&str> = requirement
                .keywords
                .iter()
                .take(3)
                .map(String::as_str)
                .collect();
            format!(
                "Could you go deeper? Give me a concrete example, and touch on {} where it applies.",
                hints.join(", ")
            )
        }
        FollowUpReason::OffTopic => format!(
            "How does that relate to the requirement to {}? Please answer with a specific example.",
            lower_first(requirement.text.trim_end_matches('.'))
        ),
    }
}

pub const INVITE: &str = "That covers my questions. What would you like to know about the role?";

pub const WRAP_UP: &str =
    "Thank you, that is the end of the interview. Your feedback report is ready below.";

/// Keeps a model's rephrasing of `original` only if it is a single question of sensible length,
/// shares the original's key terms, adds no numbers the original lacks (no invented facts), and
/// carries no chat-template debris. Otherwise the original is used.
pub fn accept_rephrasing(original: &str, candidate: &str) -> bool {
    let c = candidate.trim();
    if c.len() < 20 || c.len() > 500 || !c.ends_with('?') || c.contains("<|") || c.contains('\n') {
        return false;
    }
    let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
    if !digits(c).chars().all(|d| digits(original).contains(d)) {
        return false;
    }
    let significant = |s: &str| -> Vec<String> {
        s.split(|ch: char| !ch.is_alphanumeric())
            .filter(|w| w.len() > 5)
            .map(str::to_lowercase)
            .collect()
    };
    let original_terms = significant(original);
    let candidate_terms = significant(c);
    let shared = original_terms
        .iter()
        .filter(|t| candidate_terms.contains(t))
        .count();
    shared >= 2.min(original_terms.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roles;

    #[test]
    fn questions_come_from_the_requirement() {
        let role = roles::find("backend-rust").expect("role");
        let q = main_question(&role.requirements[1], Kind::Technical, Difficulty::Senior);
        assert!(q.contains("design PostgreSQL schemas"), "{q}");
        assert!(q.ends_with("Include the trade-offs you rejected."));
        let b = main_question(&role.requirements[0], Kind::Behavioural, Difficulty::Junior);
        assert!(b.starts_with("Tell me about a time you had to write safe"));
        assert!(
            follow_up(&role.requirements[0], FollowUpReason::Short).contains("rust, tokio, async")
        );
    }

    #[test]
    fn rephrasings_are_checked() {
        let original = "The role asks you to design PostgreSQL schemas, indexes and transactions for high write volume. How would you?";
        assert!(accept_rephrasing(
            original,
            "How would you design PostgreSQL schemas and indexes for a high write volume?"
        ));
        assert!(
            !accept_rephrasing(
                original,
                "How would you design PostgreSQL schemas for 50000 writes a second?"
            ),
            "invented number"
        );
        assert!(
            !accept_rephrasing(original, "Tell me about yourself."),
            "not a question about the same thing"
        );
        assert!(!accept_rephrasing(
            original,
            "What is your favourite colour?"
        ));
        assert!(!accept_rephrasing(
            original,
            "<|im_start|>assistant How would you design PostgreSQL schemas?"
        ));
        assert!(!accept_rephrasing(original, ""));
    }
}
