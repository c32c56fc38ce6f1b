//! Whether a sentence is about the candidate: the cue phrases that make prose state what the
//! candidate needs or will do, and the distractors that mark it as being about the company,
//! the package or the hiring process instead. These word lists are the part of requirement
//! finding that gets tuned against labelled postings, so they live apart from the walk over
//! the document's structure.

/// Phrases in which the posting asks something of the candidate: "we would like you to",
/// "we need you to". Postings written wholly in prose often state their duties only this way,
/// so these are cues, and they keep a sentence that opens with "we" from reading as one about
/// the company.
const ASKS: &[&str] = &[
    "like you to",
    "love you to",
    "love for you to",
    "want you to",
    "need you to",
    "ask you to",
    "expect you to",
    "count on you to",
    "trust you to",
];

/// "Your job is to", "Our job is to", "The role will be to": the work itself. A team that
/// describes its job in the first person describes what whoever joins it will do, so these
/// are cues and override the "about us" reading of a sentence opened by "our" or "the".
/// ("Our mission is to" stays the company's story.)
const DUTY_STATEMENTS: &[&str] = &[
    "job is to",
    "job will be to",
    "job would be to",
    "role is to",
    "role will be to",
    "role would be to",
    "task is to",
    "tasks are to",
];

/// Phrases that make a sentence state what the candidate needs or will do.
const CUES: &[&str] = &[
    "you have",
    "you've",
    "you bring",
    "you are ",
    "you're",
    "you will",
    "you'll",
    // The conditional: prose postings often describe the job as what you would do.
    "you would ",
    "you'd ",
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
    // Not "application" alone: "application security" and "web applications" are skills.
    "your application",
    "application process",
    "application form",
    "applications close",
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
    // The working pattern ("you can work fully remotely"), not a skill.
    "remotely",
    "fully remote",
    "founded",
    "our mission",
    "headquarter",
    "relocation",
    "visa",
    "join a team",
    "you will join",
    "you'll join",
    "you would join",
    "you'd join",
    // "If you would like to know more": the conditional cue, about the process.
    "if you would like",
    "if you'd like",
    "report to",
    "reporting to",
    "team of",
    "every box",
    "don't expect",
    "do not expect",
    // What the candidate does not need: "you would not need to know Django".
    "not need to",
    "n't need to",
    "no need to",
    "not needed",
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
    if CUES
        .iter()
        .chain(ASKS)
        .chain(DUTY_STATEMENTS)
        .any(|c| s.contains(c))
    {
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
        "you would ",
        "you'd ",
        "you have",
        "you should",
        "you must",
        "candidate",
    ]
    .iter()
    .chain(ASKS)
    .chain(DUTY_STATEMENTS)
    .any(|w| s.contains(w));
    about_us && !wants
}
