//! Word order: whether an answer's words were shuffled into something that only looks like
//! prose ("the took", "of in", capitals out of place). Kept apart from the other coherence
//! signals because its word classes are data that grows on their own.

use super::{is_function_word, sentences, words, IRREGULAR_PAST};

const DETERMINERS: &[&str] = &[
    "the", "a", "an", "my", "our", "your", "their", "every", "each",
];
const PREPOSITIONS: &[&str] = &[
    "of", "to", "in", "on", "for", "with", "at", "by", "from", "into", "over", "under", "between",
    "through", "across", "after", "per", "via",
];
const AUXILIARIES: &[&str] = &[
    "is", "was", "were", "are", "be", "been", "am", "has", "have", "had", "does", "did", "will",
    "would", "can", "could", "should",
];
const CONJUNCTIONS: &[&str] = &["and", "or", "but"];
/// Pronouns that open a clause: never right after "the" or "of".
const SUBJECTS: &[&str] = &["i", "we", "they", "he", "she", "you", "it", "us", "them"];
/// Words in "-ed" that often follow "the" or "a" as adjectives.
const ADJECTIVES_IN_ED: &[&str] = &[
    "need",
    "speed",
    "seed",
    "feed",
    "red",
    "bed",
    "shared",
    "distributed",
    "managed",
    "automated",
    "dedicated",
    "detailed",
    "limited",
    "related",
    "required",
    "expected",
    "advanced",
    "embedded",
    "simplified",
    "updated",
    "failed",
    "combined",
    "proposed",
    "planned",
    "scheduled",
    "signed",
    "sorted",
    "nested",
    "cached",
    "hosted",
    "versioned",
    "based",
    "used",
    "added",
    "changed",
    "affected",
    "skilled",
    "experienced",
];

/// The share of determiners and prepositions that English would never place where they are:
/// followed by another function word ("the of", "of in", "a and") or ending a sentence. Prose
/// has almost none; the same words shuffled have many.
pub fn scrambled_rate(text: &str) -> f32 {
    let mut slots = 0usize;
    let mut odd = 0usize;
    for sentence in sentences(text) {
        let w = words(&sentence);
        for (i, a) in w.iter().enumerate() {
            let a = a.as_str();
            let det = DETERMINERS.contains(&a);
            let prep = PREPOSITIONS.contains(&a);
            if !det && !prep {
                continue;
            }
            slots += 1;
            let Some(b) = w.get(i + 1).map(String::as_str) else {
                odd += 1;
                continue;
            };
            let function = DETERMINERS.contains(&b)
                || PREPOSITIONS.contains(&b)
                || AUXILIARIES.contains(&b)
                || CONJUNCTIONS.contains(&b)
                || SUBJECTS.contains(&b);
            // "the took", "an added": a determiner before a verb in the past tense.
            let verb_after_det = det
                && (IRREGULAR_PAST.contains(&b)
                    || b.ends_with("ed") && b.len() > 3 && !ADJECTIVES_IN_ED.contains(&b));
            let allowed = prep && DETERMINERS.contains(&b)
                || a == "to" && b == "be"
                || prep && ["us", "them", "it", "you"].contains(&b);
            if verb_after_det {
                odd += 1;
                continue;
            }
            if function && !allowed {
                odd += 1;
            }
        }
    }
    let by_placement = if slots < 4 {
        0.0
    } else {
        odd as f32 / slots as f32
    };
    by_placement.max(capitals_out_of_place(text))
}

/// Capital letters where sentences do not put them: a sentence opened in lowercase by a writer
/// who otherwise capitalises, or "The", "We", "Each" inside a sentence. Counted per sentence.
fn capitals_out_of_place(text: &str) -> f32 {
    let all = sentences(text);
    if all.len() < 2 {
        return 0.0;
    }
    let opens_upper = |s: &String| {
        s.chars()
            .find(|c| c.is_alphanumeric())
            .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
    };
    let capitalises = all.iter().filter(|s| opens_upper(s)).count() * 2 >= all.len();
    let mut odd = 0usize;
    for s in &all {
        if capitalises && !opens_upper(s) {
            odd += 1;
        }
        for (i, token) in s.split_whitespace().enumerate().skip(1) {
            let bare = token.trim_matches(|c: char| !c.is_alphanumeric());
            let capital = bare.chars().next().is_some_and(char::is_uppercase);
            let after_colon = s
                .split_whitespace()
                .nth(i - 1)
                .is_some_and(|prev| prev.ends_with([':', '"']));
            if capital
                && bare != "I"
                && !after_colon
                && is_function_word(&bare.to_lowercase())
                && bare.chars().skip(1).all(char::is_lowercase)
            {
                odd += 1;
            }
        }
    }
    odd as f32 / all.len() as f32 / 2.0
}
