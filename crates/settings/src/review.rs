//! Human review of held answers (`REHEARSE_REVIEW__*`).

use serde::Deserialize;
use std::collections::BTreeMap;

/// The sensitive topics a rule can be set for (`REHEARSE_REVIEW__TOPICS__<TOPIC>`).
pub const SENSITIVE_TOPICS: &[&str] = &[
    "compensation",
    "immigration",
    "legal",
    "health",
    "protected_characteristics",
];

/// When answers on sensitive topics (pay, visas, legal, health, protected characteristics)
/// are held for a reviewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SensitiveHold {
    /// Every such answer (the default).
    #[default]
    Always,
    /// Only such answers that are not fully grounded.
    WhenUngrounded,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewSettings {
    /// `always` or `when_ungrounded`.
    #[serde(default)]
    pub sensitive: SensitiveHold,
    /// A rule per topic where it differs from `sensitive`
    /// (`REHEARSE_REVIEW__TOPICS__HEALTH=when_ungrounded`).
    #[serde(default)]
    pub topics: BTreeMap<String, SensitiveHold>,
    /// How long a reviewer's claim on an item lasts without a decision.
    #[serde(default = "default_claim_secs")]
    pub claim_secs: u64,
    /// When set, a held answer nobody decided within this many seconds gives the candidate the
    /// honest fallback instead (the item stays in the queue, marked expired).
    #[serde(default)]
    pub deadline_secs: Option<u64>,
    /// With a capable model, a second reading of each answer (the judge) that differs from
    /// the report's score by more than this many points sends the report to a reviewer.
    #[serde(default = "default_judge_margin")]
    pub judge_margin: u8,
    /// Whether a report with thin evidence (a high score nothing quotable supports) or with
    /// scoring signals that point opposite ways is checked by a reviewer.
    #[serde(default = "default_check_reports")]
    pub check_reports: bool,
    /// When set (0 to 1), an answer about the role whose best passage scored below this with
    /// the reranker is held as weak retrieval. Off by default: on the eval set no threshold
    /// above the relevance cut separates right answers from wrong ones (README).
    #[serde(default)]
    pub weak_retrieval_below: Option<f32>,
}

fn default_judge_margin() -> u8 {
    1
}

fn default_check_reports() -> bool {
    true
}

fn default_claim_secs() -> u64 {
    300
}

impl Default for ReviewSettings {
    fn default() -> Self {
        ReviewSettings {
            sensitive: SensitiveHold::Always,
            topics: BTreeMap::new(),
            claim_secs: default_claim_secs(),
            deadline_secs: None,
            judge_margin: default_judge_margin(),
            check_reports: default_check_reports(),
            weak_retrieval_below: None,
        }
    }
}

impl ReviewSettings {
    pub(crate) fn validate(&self) -> Result<(), (&'static str, String)> {
        if let Some(unknown) = self
            .topics
            .keys()
            .find(|k| !SENSITIVE_TOPICS.contains(&k.as_str()))
        {
            return Err((
                "topics",
                format!(
                    "'{unknown}' is not a sensitive topic; use one of {}",
                    SENSITIVE_TOPICS.join(", ")
                ),
            ));
        }
        if self.claim_secs < 10 {
            return Err(("claim_secs", "must be at least 10 seconds".into()));
        }
        if self.judge_margin > 3 {
            return Err((
                "judge_margin",
                "must be 0 to 3 (scores run from 1 to 5)".into(),
            ));
        }
        if self
            .weak_retrieval_below
            .is_some_and(|t| !(0.0..=1.0).contains(&t))
        {
            return Err((
                "weak_retrieval_below",
                "must be between 0 and 1 (a reranker score)".into(),
            ));
        }
        if self.deadline_secs == Some(0) {
            return Err(("deadline_secs", "must be at least 1 second".into()));
        }
        Ok(())
    }
}
