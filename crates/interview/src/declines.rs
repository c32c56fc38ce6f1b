//! Whether a candidate's reply declines to say more: "Nothing to add.", "No questions, thanks",
//! "I think that covers it". At the candidate's-questions step a decline ends the interview
//! instead of being looked up in the job description (which would answer "The job description
//! does not state that." to "Nothing to add."). A real question is never read as a decline:
//! anything asked ("?"), opened like a question ("what", "does", "can you"), or turned with
//! "but" / "I'd like to know" is a question.

/// Phrases that decline, matched on whole words of the normalised reply.
const CUES: &[&str] = &[
    "no",
    "nope",
    "nah",
    "none",
    "nothing",
    "not really",
    "not at the moment",
    "not right now",
    "not at this time",
    "not for now",
    "that's all",
    "that is all",
    "that's it",
    "that is it",
    "that'll be all",
    "that will be all",
    "all good",
    "i'm good",
    "i am good",
    "i'm fine",
    "i am fine",
    "i'm done",
    "i am done",
    "all set",
    "i'm all set",
    "wrap up",
    "wrap it up",
    "we can stop",
    "we can finish",
    "we can end",
    "let's finish",
    "let's stop",
    "let's end",
    "end here",
    "stop here",
    "finish here",
    "no more",
    "no further",
    "covers it",
    "covers everything",
    "covered everything",
    "answered everything",
    "answered all",
    "don't have any",
    "do not have any",
    "don't have anything",
    "do not have anything",
    "have no questions",
    "haven't got any",
    "have nothing",
    "i'm satisfied",
    "i am satisfied",
    "pass",
    "skip",
];

/// First words that open a question.
const QUESTION_OPENERS: &[&str] = &[
    "what", "what's", "whats", "how", "how's", "why", "when", "where", "which", "who", "whose",
    "does", "is", "are", "can", "could", "would", "will", "should", "may", "tell", "explain",
    "describe", "any", "do", "did", "has", "have", "was", "were",
];

/// Words that turn a reply into a question even without "?".
const QUESTION_TURNS: &[&str] = &[
    "but",
    "however",
    "though",
    "wondering",
    "wonder",
    "curious",
    "know",
    "ask",
    "understand",
    "clarify",
    "question about",
    "questions about",
];

/// The reply in lowercase words, apostrophes kept, everything else a space.
fn normalise(text: &str) -> String {
    let lower = text.to_lowercase().replace(['’', '‘'], "'");
    lower
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn has_phrase(words: &str, phrase: &str) -> bool {
    format!(" {words} ").contains(&format!(" {phrase} "))
}

/// True when `reply` declines to ask or add anything more.
pub fn declines(reply: &str) -> bool {
    let text = reply.trim();
    if text.is_empty() {
        return false;
    }
    let words = normalise(text);
    let count = words.split_whitespace().count();
    if count == 0 || count > 14 {
        return false;
    }
    // "No questions?" or "Nothing about pay?" ask something.
    if text.contains('?') {
        return false;
    }
    let first = words.split_whitespace().next().unwrap_or("");
    // "Do you…", "Is there…": a question without its question mark. "Don't have any" and "do
    // not have any" are not openers.
    let opener =
        QUESTION_OPENERS.contains(&first) && !(first == "do" && has_phrase(&words, "do not"));
    if opener {
        return false;
    }
    // "None of that covers testing; how do you test": a question word anywhere asks.
    if ["what", "how", "why", "which", "who", "where", "when"]
        .iter()
        .any(|w| has_phrase(&words, w))
    {
        return false;
    }
    // "No, but what about on-call": the decline is turned into a question.
    if QUESTION_TURNS.iter().any(|t| has_phrase(&words, t)) {
        return false;
    }
    CUES.iter().any(|cue| has_phrase(&words, cue))
}

#[cfg(test)]
mod tests {
    use super::declines;

    const DECLINES: &[&str] = &[
        "No.",
        "Nope",
        "no thanks",
        "No, thank you.",
        "Nothing to add.",
        "Nothing else from me, thanks!",
        "None.",
        "No questions.",
        "No more questions, thank you",
        "I don't have any questions.",
        "I do not have any further questions",
        "I don’t have anything to add",
        "That's all.",
        "That is all from my side",
        "That's it, thanks",
        "I'm good, thanks.",
        "All good!",
        "I'm done",
        "I think that covers it.",
        "You've answered everything, thank you.",
        "Not really.",
        "Not at the moment, thanks",
        "Not right now",
        "We can wrap up.",
        "Let's finish here.",
        "I'm all set, thanks",
        "Nah, I'm fine",
        "I have nothing further.",
        "No further questions.",
        "I have no questions, thank you very much",
        "nothing more",
        "That will be all.",
    ];

    const QUESTIONS: &[&str] = &[
        "What is the salary range?",
        "what is the salary range",
        "Is there an on-call rotation?",
        "Is there on-call",
        "Does the team work remotely",
        "How big is the team?",
        "No remote option?",
        "Nothing about pay was mentioned — what is it?",
        "No, but what does the on-call look like?",
        "None of that covers testing; how do you test",
        "I'd like to know about the tech stack.",
        "I am curious about the interview process",
        "I was wondering about relocation",
        "Tell me about the team.",
        "Can I work from another country",
        "Could you explain the deployment process",
        "Which databases do you use",
        "Who would I report to",
        "When would I start",
        "Where is the office",
        "Why is the role open",
        "Do you sponsor visas",
        "Any plans to adopt Kubernetes",
        "Are there growth opportunities",
        "The benefits package",
        "Pension and holidays",
        "What happens after nothing is deployed on Fridays",
        "Nothing is said about the stack; which languages are used",
        "I have a question about the on-call rotation",
        "Is the role fully remote or hybrid",
        "Would the team pay for conferences",
    ];

    #[test]
    fn declines_are_read_as_declines() {
        for reply in DECLINES {
            assert!(declines(reply), "not read as a decline: {reply:?}");
        }
        assert!(DECLINES.len() >= 30);
    }

    #[test]
    fn real_questions_are_not_read_as_declines() {
        for reply in QUESTIONS {
            assert!(!declines(reply), "read as a decline: {reply:?}");
        }
        assert!(QUESTIONS.len() >= 30);
    }
}
