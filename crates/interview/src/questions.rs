//! What the interviewer says, built from the role's requirements. The model may rephrase a
//! built question for a more natural voice; [`accept_rephrasing`] keeps the rephrasing only when
//! it is still a question about the same thing and adds no facts of its own.

use crate::flow::{Difficulty, FollowUpReason, Kind};
use crate::need::{Need, Shape};
use crate::roles::{Requirement, Role};

/// "one main question", "three main questions": small counts in words, as people write them.
fn count_of(n: usize, one: &str, many: &str) -> String {
    const WORDS: [&str; 10] = [
        "no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    ];
    let number = WORDS
        .get(n)
        .map(|w| (*w).to_owned())
        .unwrap_or_else(|| n.to_string());
    format!("{number} {}", if n == 1 { one } else { many })
}

pub fn greeting(role: &Role, kind: Kind, questions: usize) -> String {
    let kind = match kind {
        Kind::Technical => "technical",
        Kind::SystemDesign => "system design",
        Kind::Behavioural => "behavioural",
    };
    format!(
        "Hello, and welcome to your {kind} interview for **{}**. {} \
         I will ask {}, each about one of the role's requirements, with a follow-up \
         where it helps. Afterwards you can ask me about the role, and you will get written feedback. \
         Say when you are ready.",
        role.title,
        role.summary,
        count_of(questions, "main question", "main questions")
    )
}

/// The main question for `requirement`, framed for the shape it is written in (see
/// [`crate::need`]): a verb phrase is something the candidate did; anything else is something
/// the role asks for.
pub fn main_question(requirement: &Requirement, kind: Kind, difficulty: Difficulty) -> String {
    let need = Need::read(&requirement.text);
    let action = need.shape == Shape::Action && !need.optional;
    let asks = match (need.shape, need.optional) {
        (Shape::Statement, false) => format!("The role expects that {}", need.core),
        (Shape::Statement, true) => format!("The role would welcome it if {}", need.core),
        (_, true) => format!("The role lists {} as a plus", need.object()),
        (_, false) => format!("The role asks for {}", need.object()),
    };
    // (what is asked, the one question that ends the message)
    let (lead, question) = match (kind, action) {
        (Kind::Technical, true) => (
            format!("The role asks you to {}", need.core),
            "Walk me through how you have done that, or how you would: which choices would you make, and why?",
        ),
        (Kind::Technical, false) => (
            asks,
            "Walk me through a piece of work where you relied on it: which choices did you make, and why?",
        ),
        (Kind::SystemDesign, true) => (
            format!("Design a system for a team that must {}", need.core),
            "Starting from the requirements, what are the main components, and how does the system behave when parts fail?",
        ),
        (Kind::SystemDesign, false) => (
            format!("{asks}. Design a system where that matters"),
            "Starting from the requirements, what are the main components, and how does the system behave when parts fail?",
        ),
        (Kind::Behavioural, true) => (
            format!("Tell me about a time you had to {}", need.core),
            "What was the situation, what did you do, and what was the result?",
        ),
        (Kind::Behavioural, false) => (
            asks,
            "Tell me about a time it made the difference: what was the situation, what did you do, and what was the result?",
        ),
    };
    let depth = match difficulty {
        Difficulty::Junior => " Keep to what you have actually done or studied.",
        Difficulty::Mid => "",
        Difficulty::Senior => " Include the trade-offs you rejected.",
    };
    format!("{lead}.{depth} {question}")
}

/// The follow-up when an answer was short or strayed: it names the requirement in words the
/// candidate can read, never the matching stems behind the check.
pub fn follow_up(requirement: &Requirement, reason: FollowUpReason) -> String {
    let need = Need::read(&requirement.text);
    match reason {
        FollowUpReason::Short => format!(
            "Could you go deeper on {}, with a concrete example of what you did, what you chose and what happened?",
            need.about()
        ),
        FollowUpReason::OffTopic => format!(
            "That seems to be about something else: could you give me a specific example that shows {}?",
            need.about()
        ),
    }
}

pub const INVITE: &str = "That covers my questions. What would you like to know about the role?";

pub const WRAP_UP: &str =
    "Thank you, that is the end of the interview. Your feedback report is ready below.";

/// Keeps a model's rephrasing of `original` only if it is a single question (one question mark,
/// at the end) of sensible length,
/// shares the original's key terms, adds no numbers the original lacks (no invented facts), and
/// carries no chat-template debris. Otherwise the original is used.
pub fn accept_rephrasing(original: &str, candidate: &str) -> bool {
    let c = candidate.trim();
    if c.len() < 20
        || c.len() > 500
        || !c.ends_with('?')
        || c.matches('?').count() != 1
        || c.contains("<|")
        || c.contains('\n')
    {
        return false;
    }
    let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
    if !digits(c).chars().all(|d| digits(original).contains(d)) {
        return false;
    }
    let original_terms = significant(original);
    let candidate_terms = significant(c);
    let shared = original_terms
        .iter()
        .filter(|t| candidate_terms.contains(t))
        .count();
    shared >= 2.min(original_terms.len())
}

/// Words of more than five letters, lowercased: the terms two questions must share to be about
/// the same thing.
fn significant(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in text
        .split(|ch: char| !ch.is_alphanumeric())
        .filter(|w| w.len() > 5)
    {
        let w = w.to_lowercase();
        if !out.contains(&w) {
            out.push(w);
        }
    }
    out
}

/// True when `phrasing` (offered for `built`) repeats one of the interviewer's `earlier`
/// messages: it shares more of its terms with that message than with the question it is meant
/// to phrase. Such a phrasing would ask one question twice and another never.
pub fn repeats_earlier(built: &str, phrasing: &str, earlier: &[String]) -> bool {
    let terms = significant(phrasing);
    let shared = |other: &str| {
        let theirs = significant(other);
        terms.iter().filter(|t| theirs.contains(t)).count()
    };
    let with_built = shared(built);
    earlier
        .iter()
        .filter(|e| e.trim() != built.trim())
        .any(|e| shared(e) > with_built)
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
        assert!(q.contains(". Include the trade-offs you rejected. "), "{q}");
        assert!(q.ends_with('?'), "{q}");
        let b = main_question(&role.requirements[0], Kind::Behavioural, Difficulty::Junior);
        assert!(b.starts_with("Tell me about a time you had to write safe"));
        assert_eq!(
            follow_up(&role.requirements[0], FollowUpReason::Short),
            "Could you go deeper on how you write safe, fast asynchronous services in Rust with tokio, with a concrete example of what you did, what you chose and what happened?"
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

    #[test]
    fn a_phrasing_that_copies_an_earlier_question_is_refused() {
        let role = roles::find("backend-rust").expect("role");
        let second = main_question(&role.requirements[1], Kind::Technical, Difficulty::Mid);
        let third = main_question(&role.requirements[2], Kind::Technical, Difficulty::Mid);
        let earlier = vec!["Hello, and welcome.".to_owned(), second.clone()];
        // The local model copied the second question from the history.
        assert!(repeats_earlier(&third, &second, &earlier));
        assert!(!repeats_earlier(
            &third,
            "How have you operated services in production, with observability and incidents in mind?",
            &earlier
        ));
    }
}
