//! Sensitive topics: pay, visas, legal matters, health and protected characteristics. A
//! question about one is recognised in paraphrase ("what does it pay", "comp", "the package"),
//! so the review policy can hold its answer for a person; kept apart from the verdict because
//! the cue lists are data that grows, while the verdict is a rule that should read in one page.

use serde::{Deserialize, Serialize};

/// Topics whose answers a person checks before the candidate reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SensitiveTopic {
    Compensation,
    Immigration,
    Legal,
    Health,
    ProtectedCharacteristics,
}

impl SensitiveTopic {
    pub const ALL: [SensitiveTopic; 5] = [
        SensitiveTopic::Compensation,
        SensitiveTopic::Immigration,
        SensitiveTopic::Legal,
        SensitiveTopic::Health,
        SensitiveTopic::ProtectedCharacteristics,
    ];

    /// The topic's settings key (`REHEARSE_REVIEW__TOPICS__<KEY>`).
    pub fn key(self) -> &'static str {
        match self {
            SensitiveTopic::Compensation => "compensation",
            SensitiveTopic::Immigration => "immigration",
            SensitiveTopic::Legal => "legal",
            SensitiveTopic::Health => "health",
            SensitiveTopic::ProtectedCharacteristics => "protected_characteristics",
        }
    }

    /// The topic for a settings key.
    pub fn from_key(key: &str) -> Option<SensitiveTopic> {
        SensitiveTopic::ALL.into_iter().find(|t| t.key() == key)
    }

    pub(crate) fn index(self) -> usize {
        SensitiveTopic::ALL
            .iter()
            .position(|t| *t == self)
            .unwrap_or_default()
    }

    pub fn label(self) -> &'static str {
        match self {
            SensitiveTopic::Compensation => "pay and benefits",
            SensitiveTopic::Immigration => "visas and immigration",
            SensitiveTopic::Legal => "legal matters",
            SensitiveTopic::Health => "health",
            SensitiveTopic::ProtectedCharacteristics => "protected characteristics",
        }
    }

    /// Words and phrases that ask about the topic, paraphrases included ("what does it pay",
    /// "comp", "the package"). Matched on word boundaries of the lowercased question; an entry
    /// ending in `*` matches any word it starts.
    fn cues(self) -> &'static [&'static str] {
        match self {
            SensitiveTopic::Compensation => &[
                "salary",
                "salaries",
                "pay",
                "pays",
                "paid",
                "paying",
                "compensation",
                "comp",
                "wage*",
                "earn*",
                "bonus*",
                "equity",
                "stock",
                "shares",
                "rsu*",
                "package",
                "ote",
                "money",
                "remuneration",
                "pension",
                "401k",
                "benefits",
                "perks",
                "how much does",
                "how much will",
                "what does it offer",
            ],
            SensitiveTopic::Immigration => &[
                "visa*",
                "sponsor*",
                "immigration",
                "work permit*",
                "right to work",
                "green card",
                "citizenship",
                "relocation support",
            ],
            SensitiveTopic::Legal => &[
                "lawsuit*",
                "legal",
                "non-compete",
                "noncompete",
                "nda",
                "litigation",
                "sue",
                "contract terms",
                "ip assignment",
            ],
            SensitiveTopic::Health => &[
                "health insurance",
                "healthcare",
                "medical",
                "disabilit*",
                "illness",
                "sick leave",
                "pregnan*",
                "mental health",
                "accommodation*",
            ],
            SensitiveTopic::ProtectedCharacteristics => &[
                "age",
                "how old",
                "religio*",
                "gender",
                "race",
                "ethnic*",
                "married",
                "marital",
                "sexual orientation",
                "nationality",
                "children",
                "kids",
            ],
        }
    }

    /// The topics `question` asks about.
    pub fn asked_in(question: &str) -> Vec<SensitiveTopic> {
        let lower = question.to_lowercase();
        let words: Vec<&str> = lower
            .split(|c: char| !(c.is_alphanumeric() || c == '-'))
            .filter(|w| !w.is_empty())
            .collect();
        let padded = format!(" {} ", words.join(" "));
        SensitiveTopic::ALL
            .into_iter()
            .filter(|topic| {
                topic.cues().iter().any(|cue| match cue.strip_suffix('*') {
                    Some(stem) if !stem.contains(' ') => words.iter().any(|w| w.starts_with(stem)),
                    Some(stem) => padded.contains(&format!(" {stem}")),
                    None => padded.contains(&format!(" {cue} ")),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pay_is_recognised_in_paraphrase() {
        for q in [
            "What does it pay?",
            "What's the comp like?",
            "Is there a bonus?",
            "How much does this role earn?",
            "What's the package?",
            "Is equity part of the offer?",
            "Do they offer a pension?",
        ] {
            assert_eq!(
                SensitiveTopic::asked_in(q),
                vec![SensitiveTopic::Compensation],
                "{q}"
            );
        }
        for q in [
            "Which databases does the team use?",
            "Is the role remote?",
            "How do you run health checks and track the error rate?",
        ] {
            assert!(SensitiveTopic::asked_in(q).is_empty(), "{q}");
        }
    }

    #[test]
    fn other_topics_are_recognised() {
        assert_eq!(
            SensitiveTopic::asked_in("Will you sponsor my visa?"),
            vec![SensitiveTopic::Immigration]
        );
        assert_eq!(
            SensitiveTopic::asked_in("Is there a non-compete clause?"),
            vec![SensitiveTopic::Legal]
        );
        assert_eq!(
            SensitiveTopic::asked_in("Do you offer accommodations for a disability?"),
            vec![SensitiveTopic::Health]
        );
        assert_eq!(
            SensitiveTopic::asked_in("Does my age matter for this role?"),
            vec![SensitiveTopic::ProtectedCharacteristics]
        );
    }
}
