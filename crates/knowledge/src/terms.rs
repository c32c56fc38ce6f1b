//! Word-level helpers shared by chunking, reranking, requirement extraction and the grounding
//! check, so that "matches" means the same thing everywhere.

/// Words that carry no meaning for matching a question to a passage.
const STOP: &[&str] = &[
    "a", "about", "after", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be",
    "been", "but", "by", "can", "could", "did", "do", "does", "doing", "for", "from", "get", "had",
    "has", "have", "here", "how", "i", "if", "in", "into", "is", "it", "its", "me", "more", "my",
    "need", "of", "on", "or", "our", "out", "over", "role", "position", "job", "should", "so",
    "some", "such", "than", "that", "the", "their", "them", "then", "there", "these", "they",
    "this", "those", "to", "up", "us", "was", "we", "were", "what", "when", "where", "which",
    "while", "who", "whom", "why", "will", "with", "would", "you", "your", "yours", "tell", "know",
    "like", "much", "many", "team", "company", "work", "working",
];

/// Lowercased alphanumeric words (keeping `+`, `#` and `.` inside words such as `c++`, `c#`,
/// `node.js`), in order.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '+' || c == '#' || c == '.'))
        .map(|w| w.trim_matches('.').to_lowercase())
        .filter(|w| !w.is_empty())
        .collect()
}

/// A crude English stem: enough to let "indexes" meet "index" and "deploying" meet "deploy",
/// not so much that "pay" meets "payments".
pub fn stem(word: &str) -> String {
    let w = word.to_lowercase();
    for suffix in ["ing", "ies", "es", "ed", "s"] {
        if let Some(base) = w.strip_suffix(suffix) {
            if base.chars().count() >= 3 {
                return match suffix {
                    "ies" => format!("{base}y"),
                    _ => base.to_owned(),
                };
            }
        }
    }
    w
}

pub fn is_stop(word: &str) -> bool {
    STOP.contains(&word)
}

/// The stems of the words that carry meaning, deduplicated, in order of first appearance.
pub fn content_stems(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in words(text) {
        if w.chars().count() < 2 || is_stop(&w) {
            continue;
        }
        let s = stem(&w);
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_meet_their_plural_but_pay_does_not_meet_payments() {
        assert_eq!(stem("indexes"), stem("index"));
        assert_eq!(stem("deploying"), "deploy");
        assert_eq!(stem("policies"), "policy");
        assert_ne!(stem("pay"), stem("payments"));
    }

    #[test]
    fn content_words_drop_stop_words_and_keep_technologies() {
        assert_eq!(
            content_stems("What is the on-call rotation for the C++ and Node.js services?"),
            vec!["call", "rotation", "c++", "node.j", "servic"]
        );
    }
}
