//! Whether a sentence is about the candidate: the cue phrases that make prose state what the
//! candidate needs or will do, and the distractors that mark it as being about the company,
//! the package or the hiring process instead. These word lists are the part of requirement
//! finding that gets tuned against labelled postings, so they live apart from the walk over
//! the document's structure.

/// Phrases that make a sentence state what the candidate needs or will do.
const CUES: &[&str] = &[
    "you have",
    "you've",
    "you bring",
    "you are ",
    "you're",
    "you will",
    "you'll",
    "you can",
    "you know",
    "you should",
    "you must",
    "you need",
    "you enjoy",
    "you thrive",
    "you care",
    "you understand",
    "you write",
    "you build",
    "you design",
    "you've got",
    "looking for",
    "ideal candidate",
    "candidates should",
    "candidate should",
    "must have",
    "must be",
    "experience with",
    "experience in",
    "experience of",
    "experience building",
    "experience running",
    "experience operating",
    "years of",
    "years'",
    "knowledge of",
    "understanding of",
    "familiar",
    "proficien",
    "fluent",
    "comfortable",
    "ability to",
    "able to",
    "background in",
    "track record",
    "nice to have",
    "bonus",
    "a plus",
    "ideally",
    "preferably",
    "would be great",
    "we'd love",
    "we would love",
    "responsible for",
    "in this role",
    "expected to",
    "we expect",
    "we need someone",
    "skills in",
    "expertise in",
];

/// Sentences that are about the company, the package or the process, not the candidate.
const DISTRACTORS: &[&str] = &[
    "salary",
    "compensation",
    "equity",
    "benefit",
    "pension",
    "holiday",
    "vacation",
    "paid time",
    "insurance",
    "equal opportunit",
    "apply",
    "application",
    "your cv",
    "resume",
    "interview process",
    "we offer",
    "we provide",
    "perks",
    "learning budget",
    "parental",
    "office",
    "remote-first",
    "founded",
    "our mission",
    "headquarter",
    "relocation",
    "visa",
    "join a team",
    "you will join",
    "you'll join",
    "report to",
    "reporting to",
    "team of",
    "every box",
    "don't expect",
    "do not expect",
    "we encourage",
    "we welcome",
    "regardless of",
    "reasonable adjustment",
    "accommodation",
    "per year",
    "per annum",
    "stock option",
    "gym",
    "wellbeing",
    "well-being",
    "days off",
    "flexible hours",
    "flexible working",
    "hiring",
    "recruit",
];

pub(super) fn has_cue(sentence: &str) -> bool {
    let s = format!(" {} ", sentence.to_lowercase().replace('’', "'"));
    if CUES.iter().any(|c| s.contains(c)) {
        return true;
    }
    // "Strong Go", "Solid SQL": a noun phrase opened by a qualifier.
    let first = s.split_whitespace().next().unwrap_or("");
    [
        "strong",
        "solid",
        "deep",
        "excellent",
        "hands-on",
        "proven",
        "demonstrable",
    ]
    .contains(&first)
}

pub(super) fn is_distractor(sentence: &str) -> bool {
    let s = format!(" {} ", sentence.to_lowercase().replace('’', "'"));
    if DISTRACTORS.iter().any(|d| s.contains(d)) {
        return true;
    }
    // "We use Rust across our services", "Our team ships weekly": the company, not the
    // candidate, unless it says what it is looking for.
    let first = s.split_whitespace().next().unwrap_or("");
    let about_us = ["we", "we're", "our", "at", "this", "the", "it's", "here"].contains(&first);
    let wants = [
        "looking for",
        "we'd love",
        "we would love",
        "we expect",
        "we need",
        "ideal candidate",
        "you will",
        "you'll",
        "you have",
        "you should",
        "you must",
        "candidate",
    ]
    .iter()
    .any(|w| s.contains(w));
    about_us && !wants
}
