//! The phrases inside a requirement and around it: the lead-ins a line may open with ("You
//! have …", "We're looking for someone who …") and how to say what follows them to the
//! candidate, the core of an experience requirement and its years, and the renderings of a
//! read [`Need`] as an object ("the ability to …") or as what the candidate has ("how you …").
//! Kept apart from the classification in `shape` so that deciding what a line is and wording it
//! can each be read on its own.

use super::words::{
    first_word, is_common_opener, rest_after_first, sentence_case, strip_prefix_ci,
    strip_suffix_ci, EXPERIENCE_KINDS, INTENSIFIERS,
};
use super::{Need, Shape};

/// Lead-ins followed by the verb phrase that is the need: "You will …", "Able to …",
/// "Ability to …".
pub(super) const ABILITY_LEAD_INS: &[&str] = &[
    "you will be able to",
    "you should be able to",
    "you must be able to",
    "you will",
    "you'll",
    "you can",
    "be able to",
    "able to",
    "ability to",
    "the ability to",
    "proven ability to",
    "demonstrated ability to",
    "can",
];

/// Lead-ins that say something of the candidate, to be said to them instead: "We're looking
/// for someone who has …", "The ideal candidate knows …".
pub(super) const SAID_OF_THE_CANDIDATE: &[&str] = &[
    "we're looking for someone who",
    "we are looking for someone who",
    "we're looking for someone that",
    "we are looking for someone that",
    "we're looking for an engineer who",
    "we are looking for an engineer who",
    "the ideal candidate",
    "the right candidate",
    "candidates should",
    "a candidate should",
];

/// Lead-ins followed by the requirement itself: "We're looking for someone with …".
pub(super) const LOOKING_FOR: &[&str] = &[
    "we're looking for someone with",
    "we are looking for someone with",
    "we're looking for",
    "we are looking for",
];

/// Lead-ins addressed to the candidate, followed by the requirement when it reads as one on its
/// own: "You have …", "You are …", "We'd love …".
pub(super) const SAID_TO_THE_CANDIDATE: &[&str] = &[
    "you should have",
    "you must have",
    "you will need",
    "you'll need",
    "you need",
    "you have",
    "you've got",
    "you bring",
    "you are",
    "you're",
    "we'd love",
    "we would love",
];

/// Tries each lead-in in `leads`, in order: for the first that `text` opens with (whole words,
/// any case) and for which `then` accepts the rest, the value `then` made of it.
pub(super) fn after_lead_in<T>(
    text: &str,
    leads: &[&str],
    mut then: impl FnMut(&str) -> Option<T>,
) -> Option<T> {
    leads
        .iter()
        .find_map(|lead| strip_prefix_ci(text, lead).and_then(&mut then))
}

/// "has built payment systems" said to the candidate: "have built payment systems".
pub(super) fn second_person(rest: &str) -> String {
    let first = first_word(rest);
    let tail = rest_after_first(rest);
    let verb = match first.as_str() {
        "has" => "have".to_owned(),
        "is" => "are".to_owned(),
        "was" => "were".to_owned(),
        "does" => "do".to_owned(),
        w if w.len() > 3 && w.ends_with('s') && !w.ends_with("ss") => w[..w.len() - 1].to_owned(),
        w => w.to_owned(),
    };
    if tail.is_empty() {
        verb
    } else {
        format!("{verb} {tail}")
    }
}

/// Whether `rest` opens like a noun phrase ("deep knowledge of …", "a background in …",
/// "Kubernetes experience") rather than a verb ("shipped payment systems").
pub(super) fn reads_as_noun_phrase(rest: &str) -> bool {
    let first = first_word(rest);
    is_common_opener(&first)
        || EXPERIENCE_KINDS.contains(&first.as_str())
        || rest.starts_with(|c: char| c.is_uppercase() || c.is_ascii_digit())
}

/// What follows "experience": a gerund or a preposition stays, anything else gets "with".
pub(super) fn experience_core(rest: &str) -> String {
    let rest = rest.trim();
    let rest = strip_prefix_ci(rest, "of professional experience")
        .or_else(|| strip_prefix_ci(rest, "of hands-on experience"))
        .or_else(|| strip_prefix_ci(rest, "of experience"))
        .or_else(|| strip_prefix_ci(rest, "professional experience"))
        .or_else(|| strip_prefix_ci(rest, "experience"))
        .or_else(|| strip_prefix_ci(rest, "'s experience"))
        .or_else(|| strip_prefix_ci(rest, "' experience"))
        .or_else(|| strip_prefix_ci(rest, "of"))
        .unwrap_or(rest)
        .trim();
    // "of backend experience": the experience is in the backend.
    if let Some(field) = strip_suffix_ci(rest, "experience").filter(|f| !f.is_empty()) {
        return format!("in {}", sentence_case(field));
    }
    let first = first_word(rest);
    let keeps = first.ends_with("ing")
        || [
            "with", "in", "on", "of", "at", "across", "as", "building", "using",
        ]
        .contains(&first.as_str());
    if rest.is_empty() {
        String::new()
    } else if keeps {
        rest.to_owned()
    } else {
        format!("with {}", sentence_case(rest))
    }
}

/// "5+ years", "3-5 years", "at least 2 years", "five years": the years and what follows.
pub(super) fn years(text: &str) -> Option<(String, String)> {
    let lower = text.to_lowercase();
    let lead = [
        "at least ",
        "minimum of ",
        "minimum ",
        "min. ",
        "over ",
        "more than ",
    ]
    .iter()
    .find_map(|p| lower.strip_prefix(p).map(|_| p.len()))
    .unwrap_or(0);
    let after_lead = text.get(lead..)?;
    let mut words = after_lead.split_whitespace();
    let count = words.next()?;
    let unit = words.next()?;
    let unit_lower = unit.to_lowercase();
    let numbers = [
        "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    ];
    let is_count = count.chars().next().is_some_and(|c| c.is_ascii_digit())
        || numbers.contains(&count.to_lowercase().as_str());
    if !is_count
        || !["years", "years'", "year", "year's", "years’", "yrs", "yrs."]
            .contains(&unit_lower.as_str())
    {
        return None;
    }
    // "Minimum 4 years" reads "at least 4 years".
    let lead_words = match lower.get(..lead)?.trim_end() {
        "minimum" | "minimum of" | "min." => "at least",
        other => other,
    };
    let head = if lead_words.is_empty() {
        format!("{} years", count.to_lowercase())
    } else {
        format!("{lead_words} {} years", count.to_lowercase())
    };
    let rest_start = after_lead
        .find(unit)
        .map(|i| i + unit.len())
        .unwrap_or(after_lead.len());
    let rest = after_lead[rest_start..].trim();
    let rest = rest.trim_start_matches(['’', '\'']).trim();
    Some((head, rest.to_owned()))
}

impl Need {
    /// The need as a noun phrase that fits after "The role asks for …" or "calls for …".
    pub fn object(&self) -> String {
        match self.shape {
            Shape::Action => format!("the ability to {}", self.core),
            Shape::Experience => match (&self.years, self.core.is_empty()) {
                (Some(y), true) => format!("{y} of experience"),
                (Some(y), false) => format!("{y} of experience {}", self.core),
                (None, true) => "relevant experience".to_owned(),
                (None, false) => format!("experience {}", self.core),
            },
            Shape::Skill => self.core.clone(),
            Shape::Technologies => format!("experience with {}", self.core),
            Shape::Statement => format!("the expectation that {}", self.core),
        }
    }

    /// The need as something the candidate has or does, after "Could you go deeper on …".
    pub fn about(&self) -> String {
        match self.shape {
            Shape::Action => format!("how you {}", self.core),
            Shape::Experience if self.core.is_empty() => "your experience".to_owned(),
            Shape::Experience => format!("your experience {}", self.core),
            Shape::Technologies => format!("your experience with {}", self.core),
            Shape::Statement => format!("how you meet the expectation that {}", self.core),
            Shape::Skill => {
                let first = first_word(&self.core);
                let plain = if INTENSIFIERS.contains(&first.as_str()) {
                    rest_after_first(&self.core)
                } else {
                    self.core.as_str()
                };
                let plain = plain
                    .strip_prefix("a ")
                    .or_else(|| plain.strip_prefix("an "))
                    .unwrap_or(plain);
                let head = first_word(plain);
                let last = plain
                    .rsplit(char::is_whitespace)
                    .next()
                    .unwrap_or("")
                    .to_lowercase();
                let named = plain.starts_with(|c: char| c.is_uppercase());
                let quality = [
                    "knowledge",
                    "understanding",
                    "familiarity",
                    "fluency",
                    "proficiency",
                    "skill",
                    "skills",
                    "comfort",
                    "background",
                    "expertise",
                    "passion",
                    "curiosity",
                    "grasp",
                    "command",
                    "exposure",
                    "judgement",
                    "judgment",
                ]
                .contains(&head.as_str());
                if head.ends_with("ing") && !quality {
                    // "speaking at conferences"
                    format!("your experience {plain}")
                } else if named
                    && !["experience", "skills", "knowledge", "expertise"].contains(&last.as_str())
                {
                    // "Go or Rust, and Python for tooling"
                    format!("your work with {plain}")
                } else {
                    format!("your {plain}")
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn about_drops_the_intensifier() {
        assert_eq!(
            Need::read("Deep knowledge of PostgreSQL indexes").about(),
            "your knowledge of PostgreSQL indexes"
        );
    }
}
