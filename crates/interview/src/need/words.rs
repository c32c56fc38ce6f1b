//! The word lists and small text helpers the reading and the phrasing share: which first words
//! are verbs or common words, case-insensitive whole-word prefix and suffix stripping, tidying a
//! bullet, sentence case and English list joining. Kept apart because they are plain text
//! utilities with no notion of a [`Need`](super::Need): the long lists would otherwise bury the
//! logic that uses them.

/// Verbs a requirement written as an action starts with.
pub(super) const VERBS: &[&str] = &[
    "advocate",
    "analyse",
    "analyze",
    "apply",
    "architect",
    "automate",
    "balance",
    "benchmark",
    "build",
    "champion",
    "choose",
    "coach",
    "collaborate",
    "collect",
    "communicate",
    "configure",
    "contribute",
    "coordinate",
    "create",
    "debug",
    "define",
    "deliver",
    "deploy",
    "design",
    "develop",
    "diagnose",
    "document",
    "drive",
    "enable",
    "ensure",
    "establish",
    "evaluate",
    "evolve",
    "explain",
    "extend",
    "guide",
    "handle",
    "harden",
    "help",
    "identify",
    "implement",
    "improve",
    "influence",
    "instrument",
    "integrate",
    "investigate",
    "keep",
    "lead",
    "maintain",
    "make",
    "manage",
    "measure",
    "mentor",
    "migrate",
    "model",
    "monitor",
    "operate",
    "optimise",
    "optimize",
    "own",
    "partner",
    "plan",
    "prioritise",
    "prioritize",
    "profile",
    "prototype",
    "provide",
    "reduce",
    "refactor",
    "release",
    "research",
    "resolve",
    "respond",
    "review",
    "run",
    "scale",
    "secure",
    "set",
    "ship",
    "simplify",
    "solve",
    "support",
    "take",
    "test",
    "track",
    "translate",
    "triage",
    "troubleshoot",
    "tune",
    "understand",
    "upgrade",
    "use",
    "validate",
    "work",
    "write",
];

/// Words that open a noun phrase and may be lowercased inside a sentence, besides the
/// [`INTENSIFIERS`] (see [`is_common_opener`]); any other first word (a product name such as
/// "Kubernetes", an acronym) keeps its case.
const COMMON_OPENERS: &[&str] = &[
    "a",
    "an",
    "the",
    "knowledge",
    "understanding",
    "familiarity",
    "fluency",
    "proficiency",
    "ability",
    "background",
    "degree",
    "comfort",
    "passion",
    "interest",
    "curiosity",
    "ownership",
    "attention",
    "clear",
    "written",
    "verbal",
    "effective",
    "broad",
    "expert",
    "expertise",
    "advanced",
    "basic",
    "some",
    "prior",
    "previous",
    "professional",
    "production",
    "commercial",
    "track",
    "bachelor's",
    "master's",
    "exposure",
    "experience",
    "skills",
    "skill",
    "comfortable",
    "familiar",
    "fluent",
    "proficient",
    "able",
    "english",
];

/// Adjectives people put on a noun phrase that read as "how much", stripped where the phrase
/// is reused after "your" ("your knowledge of X", not "your deep knowledge of X").
pub(super) const INTENSIFIERS: &[&str] = &[
    "strong",
    "solid",
    "deep",
    "excellent",
    "good",
    "great",
    "proven",
    "demonstrated",
    "sound",
    "thorough",
    "in-depth",
    "extensive",
    "exceptional",
    "outstanding",
    "working",
    "practical",
    "hands-on",
];

/// Adjectives that say which experience: dropped before "experience" like the intensifiers.
pub(super) const EXPERIENCE_KINDS: &[&str] = &[
    "professional",
    "relevant",
    "prior",
    "previous",
    "commercial",
    "industry",
];

pub(super) fn first_word(text: &str) -> String {
    text.split_whitespace()
        .next()
        .unwrap_or("")
        .trim_matches(|c: char| !c.is_alphanumeric() && c != '\'' && c != '-')
        .to_lowercase()
}

pub(super) fn rest_after_first(text: &str) -> &str {
    text.trim_start()
        .split_once(char::is_whitespace)
        .map(|(_, rest)| rest.trim_start())
        .unwrap_or("")
}

pub(super) fn strip_prefix_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    if !head.eq_ignore_ascii_case(prefix) {
        return None;
    }
    let rest = &text[prefix.len()..];
    // Whole words only: "plus" must not take the start of "plush".
    if prefix.ends_with(|c: char| c.is_alphanumeric())
        && rest.starts_with(|c: char| c.is_alphanumeric())
    {
        return None;
    }
    Some(
        rest.trim_start_matches([' ', ':', ',', '-', '–'])
            .trim_start(),
    )
}

pub(super) fn strip_suffix_ci<'a>(text: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = text.len().checked_sub(suffix.len())?;
    let tail = text.get(cut..)?;
    if !tail.eq_ignore_ascii_case(suffix) {
        return None;
    }
    let rest = &text[..cut];
    if suffix.starts_with(|c: char| c.is_alphanumeric())
        && rest.ends_with(|c: char| c.is_alphanumeric())
    {
        return None;
    }
    Some(
        rest.trim_end_matches([' ', ',', ';', '-', '–', '('])
            .trim_end(),
    )
}

/// A fragment of a requirement placed inside a sentence: lowercased at the start unless it
/// opens with a name ("indexes", but "PostgreSQL schemas").
pub fn lower_common(text: &str) -> String {
    sentence_case(text)
}

/// Whether `word` (lowercased) is a common word that may open a noun phrase: one of the
/// [`COMMON_OPENERS`] or the [`INTENSIFIERS`], kept as two lists so neither repeats the other.
pub(super) fn is_common_opener(word: &str) -> bool {
    COMMON_OPENERS.contains(&word) || INTENSIFIERS.contains(&word)
}

/// Lowercases the first letter when the first word is a common word, not a name.
pub(super) fn sentence_case(text: &str) -> String {
    let first = first_word(text);
    if is_common_opener(&first) || VERBS.contains(&first.as_str()) {
        let mut chars = text.chars();
        match chars.next() {
            Some(c) => c.to_lowercase().chain(chars).collect(),
            None => String::new(),
        }
    } else {
        text.to_owned()
    }
}

/// Joins a list the English way: "a", "a and b", "a, b and c".
pub fn join_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Tidies a bullet: no list marker or final stop, semicolons read as "and", "&" as "and".
pub(super) fn tidy(text: &str) -> String {
    let t = text
        .trim()
        .trim_start_matches(['-', '*', '•', '·'])
        .trim()
        .trim_end_matches(['.', ';', ':', ','])
        .trim();
    let t = t.replace(" & ", " and ").replace(['’', '‘'], "'");
    let parts: Vec<&str> = t
        .split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let joined = if parts.len() > 1 {
        let (init, last) = parts.split_at(parts.len() - 1);
        let last = last[0].strip_prefix("and ").unwrap_or(last[0]);
        format!("{}, and {last}", init.join(", "))
    } else {
        t.clone()
    };
    joined.split_whitespace().collect::<Vec<_>>().join(" ")
}
