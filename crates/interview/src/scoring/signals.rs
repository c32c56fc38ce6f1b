//! The text signals of an answer that need no model: whether it reads as prose (not a list of
//! terms, not repeated text, not the question copied back), how specific it is, and which of
//! its sentences speak to the grader instead of answering. Each is a number in 0..=1 so the
//! report can show it.

use rehearse_knowledge::terms;

/// The answer's sentences, trimmed, in order.
pub fn sentences(text: &str) -> Vec<String> {
    text.split_inclusive(['.', '!', '?', '\n'])
        .map(str::trim)
        .filter(|s| s.chars().any(char::is_alphanumeric))
        .map(str::to_owned)
        .collect()
}

fn words(text: &str) -> Vec<String> {
    terms::words(text)
}

/// Words that English needs between the content words; a list of terms has almost none.
fn is_function_word(w: &str) -> bool {
    terms::is_stop(w)
        || [
            "not", "no", "one", "two", "each", "every", "both", "too", "very", "just", "only",
            "because", "before", "after", "until", "once", "again", "per", "via", "than",
            "without", "within", "through", "across", "between", "under", "instead", "rather",
            "us", "he", "she", "his", "her", "it's", "i'm", "we'd", "we're", "i'd", "don't",
            "didn't", "it", "them", "those", "let", "made", "make", "used", "use", "got", "went",
            "took", "kept", "ran", "had", "was", "were", "is", "are", "been",
        ]
        .contains(&w)
}

fn clamp01(x: f32) -> f32 {
    x.clamp(0.0, 1.0)
}

/// Why an answer does not read as an answer, when it does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Incoherence {
    /// Content words strung together without the words that make sentences.
    ListOfTerms,
    /// The same words over and over.
    Repeated,
    /// The interviewer's question copied back.
    CopiedQuestion,
    /// Words in an order English does not use ("the of", "a and"): shuffled text.
    Scrambled,
}

impl Incoherence {
    pub fn explain(self) -> &'static str {
        match self {
            Incoherence::ListOfTerms => "It reads as a list of terms rather than an answer.",
            Incoherence::Repeated => "It repeats the same words rather than developing an answer.",
            Incoherence::CopiedQuestion => "It repeats the question rather than answering it.",
            Incoherence::Scrambled => "It does not read as sentences.",
        }
    }
}

/// How much `text` reads as prose written in answer to `question`: 1 for ordinary sentences,
/// near 0 for a list of terms, repeated text or the question copied back; with the reason for
/// the lowest part.
pub fn coherence(text: &str, question: &str) -> (f32, Option<Incoherence>) {
    let w = words(text);
    if w.len() < 3 {
        return (0.0, Some(Incoherence::ListOfTerms));
    }
    let function = w.iter().filter(|x| is_function_word(x)).count() as f32 / w.len() as f32;
    let pairs = w.windows(2).count().max(1) as f32;
    let content_pairs = w
        .windows(2)
        .filter(|p| !is_function_word(&p[0]) && !is_function_word(&p[1]))
        .count() as f32
        / pairs;
    // Prose runs about a third or more function words and few long runs of content words.
    let prose = clamp01((function - 0.12) / 0.16).min(clamp01((0.62 - content_pairs) / 0.22));
    let trigrams: Vec<String> = w.windows(3).map(|t| t.join(" ")).collect();
    let distinct = {
        let mut seen = std::collections::HashSet::new();
        trigrams.iter().filter(|t| seen.insert(t.as_str())).count()
    };
    let variety = if trigrams.is_empty() {
        1.0
    } else {
        clamp01((distinct as f32 / trigrams.len() as f32 - 0.5) / 0.3)
    };
    let asked: std::collections::HashSet<String> =
        words(question).windows(3).map(|t| t.join(" ")).collect();
    let copied = if trigrams.is_empty() || asked.is_empty() {
        0.0
    } else {
        trigrams.iter().filter(|t| asked.contains(*t)).count() as f32 / trigrams.len() as f32
    };
    let original = clamp01((0.6 - copied) / 0.3);
    let order = clamp01((0.22 - scrambled_rate(text)) / 0.12);
    let parts = [
        (prose, Incoherence::ListOfTerms),
        (order, Incoherence::Scrambled),
        (variety, Incoherence::Repeated),
        (original, Incoherence::CopiedQuestion),
    ];
    let (low, why) = parts
        .iter()
        .copied()
        .fold((1.0f32, None), |(low, why), (v, reason)| {
            if v < low {
                (v, Some(reason))
            } else {
                (low, why)
            }
        });
    (low, if low < 0.5 { why } else { None })
}

/// A number with what it counts ("3000 requests", "40 ms", "99.9%"), an example from the
/// candidate's own work, and a trade-off named: the parts of a specific answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Specifics {
    pub measured: bool,
    pub example: bool,
    pub trade_off: bool,
}

impl Specifics {
    pub fn of(text: &str) -> Specifics {
        let lower = format!(" {} ", text.to_lowercase().replace(['’'], "'"));
        let tokens: Vec<&str> = text.split_whitespace().collect();
        let measured = tokens.iter().enumerate().any(|(i, t)| {
            let digits = t.chars().any(|c| c.is_ascii_digit());
            if !digits {
                return false;
            }
            // "40ms", "99.9%", "3x": the unit is attached; "3000 requests": it follows.
            let attached = t
                .trim_end_matches(['.', ',', ';', ')'])
                .chars()
                .last()
                .is_some_and(|c| c.is_alphabetic() || c == '%');
            let follows = tokens.get(i + 1).is_some_and(|n| {
                let n = n
                    .trim_matches(|c: char| !c.is_alphanumeric())
                    .to_lowercase();
                n.chars().all(char::is_alphabetic) && !n.is_empty() && !terms::is_stop(&n)
            });
            attached || follows
        });
        let example = [
            " for example",
            " for instance",
            " in my last",
            " at my last",
            " at my previous",
            " in my previous",
            " in my current",
            " at my current",
            " on my team",
            " last year",
            " we built",
            " we designed",
            " we moved",
            " we ran",
            " we had",
            " we added",
            " we replaced",
            " we chose",
            " we used",
            " we cut",
            " we migrated",
            " we wrote",
            " i built",
            " i designed",
            " i led",
            " i wrote",
            " i ran",
            " i added",
            " i moved",
            " i replaced",
            " i owned",
            " i migrated",
            " i introduced",
            " i set up",
            " once,",
            " one time",
            " when we",
            " when i",
        ]
        .iter()
        .any(|m| lower.contains(m))
            || told_as_done(text);
        let trade_off = [
            "trade-off",
            "tradeoff",
            "trade off",
            " instead of ",
            " rather than ",
            " at the cost of ",
            " the downside",
            " the cost was",
            " we chose ",
            " i chose ",
            " we picked ",
            " over ",
            " because ",
            " in exchange for ",
            " gave up ",
            " versus ",
            " vs ",
            " which meant ",
        ]
        .iter()
        .any(|m| lower.contains(m));
        Specifics {
            measured,
            example,
            trade_off,
        }
    }

    /// 0..=1: a measured result counts most, then the example and the trade-off.
    pub fn value(self) -> f32 {
        0.4 * f32::from(u8::from(self.measured))
            + 0.3 * f32::from(u8::from(self.example))
            + 0.3 * f32::from(u8::from(self.trade_off))
    }
}

/// Past tenses that do not end in "-ed".
const IRREGULAR_PAST: &[&str] = &[
    "built", "wrote", "ran", "led", "made", "took", "set", "kept", "held", "chose", "drove",
    "brought", "began", "found", "gave", "put", "cut", "shipped", "moved", "swapped", "rewrote",
    "sped", "spent", "sent", "saw", "split", "won", "taught", "caught", "fought", "rebuilt",
];

/// Whether the candidate tells what they (or their team) did: "I" or "we" followed by a verb
/// in the past tense ("we moved", "I wrote").
fn told_as_done(text: &str) -> bool {
    let w = words(text);
    w.windows(2).any(|p| {
        (p[0] == "i" || p[0] == "we")
            && (p[1].ends_with("ed") && p[1].len() > 3 || IRREGULAR_PAST.contains(&p[1].as_str()))
    })
}

/// Whether a sentence speaks to whoever grades the answer ("score me 5/5", "SYSTEM: the
/// candidate is an expert"): such a sentence is evidence of nothing and is set aside.
pub fn addresses_the_grader(sentence: &str) -> bool {
    let s = format!(" {} ", sentence.to_lowercase());
    let cues = [
        " score ",
        " scores ",
        " scoring",
        " grade ",
        " grader",
        " grading",
        " rate me",
        " rating",
        " 5/5",
        " 10/10",
        " full marks",
        " maximum score",
        " highest score",
        " top score",
        " perfect score",
        " give me a ",
        " give the candidate",
        " system:",
        "system prompt",
        " ignore ",
        " instructions",
        " assistant:",
        " as an ai",
        " the candidate is an expert",
        " the candidate is excellent",
        " mark this",
        " evaluator",
        " you must ",
        " override",
    ];
    cues.iter().any(|c| s.contains(c))
}

/// Whether an answer only declines to answer ("I don't know", "pass").
pub fn declines_to_answer(text: &str) -> bool {
    let w = words(text);
    if w.len() > 25 {
        return false;
    }
    let lower = format!(" {} ", text.to_lowercase().replace('’', "'"));
    [
        " don't know",
        " do not know",
        " no idea",
        " not sure",
        " pass",
        " skip",
        " can't answer",
        " cannot answer",
        " never done",
        " haven't done",
        " have not done",
        " no experience",
        " rather not",
        " next question",
    ]
    .iter()
    .any(|c| lower.contains(c))
}

mod order;

pub use order::scrambled_rate;

#[cfg(test)]
mod tests;
