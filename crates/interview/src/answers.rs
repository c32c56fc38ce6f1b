//! Answers to the candidate's questions about the role, composed only from the job
//! description: the sentences returned are the role's own, cited by requirement id. When
//! nothing in the description matches, the answer says so plainly; there is no model call
//! that could invent a salary or a location.

use crate::roles::Role;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleAnswer {
    pub text: String,
    /// Requirement ids (or `summary`) the answer quotes.
    pub citations: Vec<String>,
}

pub const NOT_STATED: &str = "The job description does not state that.";

const STOP: &[&str] = &[
    "what", "which", "does", "this", "that", "with", "role", "the", "about", "there", "have",
    "will", "would", "your", "team", "job", "position", "how", "and", "for", "you", "are", "is",
    "it", "do", "a", "an", "of", "in", "to",
];

fn terms(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| w.len() > 2 && !STOP.contains(&w.as_str()))
        .collect()
}

/// Whether `term` appears in `text` as a whole word, allowing a plural on either side ("index"
/// finds "indexes"). Deliberately strict: a loose prefix match would let "pay" find "payments"
/// and answer a salary question with something else.
fn mentions(text: &str, term: &str) -> bool {
    let plural = |a: &str, b: &str| {
        a == b || a.strip_suffix("es") == Some(b) || a.strip_suffix('s') == Some(b)
    };
    terms(text)
        .iter()
        .any(|w| plural(w, term) || plural(term, w))
}

pub fn answer(role: &Role, question: &str) -> RoleAnswer {
    let asked = terms(question);
    let mut cited = Vec::new();
    let mut sentences = Vec::new();
    if asked.iter().any(|t| mentions(&role.summary, t)) {
        cited.push("summary".to_owned());
        sentences.push(format!("{} [summary]", role.summary.trim_end_matches('.')));
    }
    for r in &role.requirements {
        let hay = format!("{} {} {}", r.competency, r.text, r.keywords.join(" "));
        if asked.iter().any(|t| mentions(&hay, t)) {
            cited.push(r.id.clone());
            sentences.push(format!("{} [{}]", r.text.trim_end_matches('.'), r.id));
        }
    }
    if sentences.is_empty() {
        return RoleAnswer {
            text: NOT_STATED.to_owned(),
            citations: Vec::new(),
        };
    }
    RoleAnswer {
        text: format!("From the job description: {}.", sentences.join("; ")),
        citations: cited,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roles;

    #[test]
    fn pay_is_never_invented() {
        for role in roles::samples() {
            for q in [
                "What is the salary?",
                "How much does it pay?",
                "Is there equity or a bonus?",
                "Can I work remotely from Lisbon?",
            ] {
                let a = answer(&role, q);
                assert_eq!(a.text, NOT_STATED, "{}: {q}", role.slug);
                assert!(!a.text.chars().any(|c| c.is_ascii_digit()));
            }
        }
    }

    #[test]
    fn matching_requirements_are_quoted_and_cited() {
        let role = roles::find("backend-rust").expect("role");
        let a = answer(
            &role,
            "Which database does the team use, and do I need to design indexes?",
        );
        assert!(a.citations.contains(&"r2".to_owned()), "{a:?}");
        assert!(a.text.contains(
            "Design PostgreSQL schemas, indexes and transactions for high write volume [r2]"
        ));
    }
}
