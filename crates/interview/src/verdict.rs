//! The one decision about an AI answer a candidate could read: shown, "not stated", or held
//! for a reviewer with typed reasons. Everything that holds an answer (the grounding check,
//! weak or failed retrieval, sensitive topics) meets here, so the policy is read in one place.

use crate::scoring::Report;
pub use crate::sensitive::SensitiveTopic;
use serde::{Deserialize, Serialize};

/// When an answer on a sensitive topic is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SensitivePolicy {
    /// Every answer on the topic is checked by a person (the default).
    #[default]
    Always,
    /// Only answers that are not fully grounded are held.
    WhenUngrounded,
}

/// Why an answer is held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HoldReason {
    /// A claim in the answer is not supported by the passages it cites.
    Ungrounded { detail: String },
    /// The question is about the role but the best passages matched it weakly.
    WeakRetrieval,
    /// The question touches a sensitive topic.
    Sensitive { topic: SensitiveTopic },
    /// The knowledge base could not be searched.
    RetrievalFailed { detail: String },
    /// The candidate's question tripped the safety screen (it reads as an attempt to steer
    /// the model), so what was answered to it is checked by a person.
    SafetyScreen { detail: String },
    /// The feedback report needs a person's look before its note reaches the candidate.
    Feedback {
        concern: ReportConcern,
        /// The requirement whose score it is about.
        requirement_id: String,
        detail: String,
    },
}

/// What is wrong with a feedback report that sends it to a reviewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportConcern {
    /// A high score with no sentence of the candidate's to quote for it.
    ThinEvidence,
    /// The signals behind one score point opposite ways.
    SignalsDisagree,
    /// The capable model's second reading differs from the score by more than the margin.
    JudgeDisagrees,
    /// The capable model wrote an example of a strong answer: generated text, checked by a
    /// person like any other.
    ReferenceAnswer,
}

impl HoldReason {
    /// The reason in words, for reviewers.
    pub fn describe(&self) -> String {
        match self {
            HoldReason::Ungrounded { detail } => {
                format!("Not supported by the job description: {detail}")
            }
            HoldReason::WeakRetrieval => {
                "The job description matched the question only weakly".to_owned()
            }
            HoldReason::Sensitive { topic } => format!("Sensitive topic: {}", topic.label()),
            HoldReason::RetrievalFailed { detail } => {
                format!("The job description could not be searched: {detail}")
            }
            HoldReason::SafetyScreen { detail } => {
                format!("The question tripped the safety screen: {detail}")
            }
            HoldReason::Feedback {
                concern, detail, ..
            } => format!(
                "{REPORT_FLAG}, {}: {detail}",
                match concern {
                    ReportConcern::ThinEvidence => "thin evidence",
                    ReportConcern::SignalsDisagree => "the scoring signals disagree",
                    ReportConcern::JudgeDisagrees => "the second reading disagrees",
                    ReportConcern::ReferenceAnswer => "a model-written example of a strong answer",
                }
            ),
        }
    }

    /// A short key for filtering the review queue.
    pub fn key(&self) -> &'static str {
        match self {
            HoldReason::Ungrounded { .. } => "ungrounded",
            HoldReason::WeakRetrieval => "weak_retrieval",
            HoldReason::Sensitive { .. } => "sensitive",
            HoldReason::RetrievalFailed { .. } => "retrieval_failed",
            HoldReason::SafetyScreen { .. } => "safety",
            HoldReason::Feedback { .. } => "feedback",
        }
    }
}

/// The review policy (from settings): one rule for sensitive topics, and an admin's choice
/// per topic where it differs (for example pay always checked, health only when ungrounded);
/// how far a judge's second reading may differ from a score before the report is checked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReviewPolicy {
    pub sensitive: SensitivePolicy,
    /// Per topic, in the order of [`SensitiveTopic::ALL`]; `None` follows `sensitive`.
    pub per_topic: [Option<SensitivePolicy>; 5],
    /// A judge's score more than this many points from the report's holds the report.
    pub judge_margin: u8,
    /// Whether reports with thin evidence or disagreeing signals are checked by a person.
    pub check_reports: bool,
    /// An answer whose best passage scored below this (reranker, 0 to 1) is held as weak
    /// retrieval; `None` (the default) never holds for it. Measured on the eval set, no cut
    /// above the relevance threshold separates right answers from wrong ones, so it is an
    /// admin's choice to trade more reviews for fewer doubtful answers, not a default.
    pub weak_retrieval_below: Option<f32>,
}

/// The default margin: one point either way is a matter of judgement; two is a disagreement.
pub const DEFAULT_JUDGE_MARGIN: u8 = 1;

impl Default for ReviewPolicy {
    fn default() -> Self {
        ReviewPolicy {
            sensitive: SensitivePolicy::default(),
            per_topic: [None; 5],
            judge_margin: DEFAULT_JUDGE_MARGIN,
            check_reports: true,
            weak_retrieval_below: None,
        }
    }
}

impl ReviewPolicy {
    /// The rule for one topic.
    pub fn for_topic(&self, topic: SensitiveTopic) -> SensitivePolicy {
        self.per_topic[topic.index()].unwrap_or(self.sensitive)
    }

    /// Sets the rule for one topic.
    pub fn with_topic(mut self, topic: SensitiveTopic, policy: SensitivePolicy) -> Self {
        self.per_topic[topic.index()] = Some(policy);
        self
    }
}

/// Whether an answer quoting passages whose best reranker score is `best` is weak retrieval
/// under `policy` (an answer that quotes nothing is "not stated", never weak).
pub fn weak_retrieval(best: Option<f32>, policy: ReviewPolicy) -> bool {
    match (best, policy.weak_retrieval_below) {
        (Some(best), Some(cut)) => best < cut,
        _ => false,
    }
}

/// What the knowledge base made of a question about the role, as the verdict needs it.
#[derive(Debug, Clone, Default)]
pub struct Drafted<'a> {
    pub question: &'a str,
    /// "Not stated": the job description does not answer; nothing to hold.
    pub not_stated: bool,
    /// Claims the grounding check could not find in the cited passages.
    pub ungrounded: Vec<String>,
    pub weak_retrieval: bool,
    /// What the safety screen found in the question (empty: nothing).
    pub screened: Vec<String>,
}

/// What happens to an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Show,
    NotStated,
    Held(Vec<HoldReason>),
}

/// The one decision. A "not stated" answer invents nothing and is shown as it is; otherwise
/// every reason that applies is collected, and any reason holds the answer.
pub fn decide(draft: &Drafted<'_>, policy: ReviewPolicy) -> Verdict {
    if draft.not_stated {
        return Verdict::NotStated;
    }
    let mut reasons: Vec<HoldReason> = draft
        .ungrounded
        .iter()
        .map(|d| HoldReason::Ungrounded { detail: d.clone() })
        .collect();
    if draft.weak_retrieval {
        reasons.push(HoldReason::WeakRetrieval);
    }
    let grounded = reasons.is_empty();
    for topic in SensitiveTopic::asked_in(draft.question) {
        if policy.for_topic(topic) == SensitivePolicy::Always || !grounded {
            reasons.push(HoldReason::Sensitive { topic });
        }
    }
    reasons.extend(
        draft
            .screened
            .iter()
            .map(|d| HoldReason::SafetyScreen { detail: d.clone() }),
    );
    if reasons.is_empty() {
        Verdict::Show
    } else {
        Verdict::Held(reasons)
    }
}

/// What the candidate reads instead of an answer a reviewer rejected, or one whose review
/// deadline passed.
pub const FALLBACK: &str =
    "I can't confirm that from the job description; please ask the recruiter.";

/// How a feedback report's reasons begin in a held message's flags (see
/// [`HoldReason::describe`]), so the note is told from a held answer.
pub const REPORT_FLAG: &str = "Feedback report";

/// Whether a held message with these flags is the note on a feedback report.
pub fn is_report_note(flags: &[String]) -> bool {
    flags.iter().any(|f| f.starts_with(REPORT_FLAG))
}

/// What the candidate reads instead of a note on their report that a reviewer rejected, or
/// whose review deadline passed.
pub const REPORT_FALLBACK: &str =
    "A reviewer looked over your feedback report: the scores in it stand as they are.";

/// The honest fallback for a held message with these reasons.
pub fn fallback_for(reasons: &[HoldReason]) -> &'static str {
    if reasons
        .iter()
        .any(|r| matches!(r, HoldReason::Feedback { .. }))
    {
        REPORT_FALLBACK
    } else {
        FALLBACK
    }
}

/// The verdict on a feedback report: shown, or held with the reasons a person should look
/// at it. A held report is shown with its scores at once; what waits for the reviewer is the
/// note that goes with it ([`report_note`]).
pub fn decide_report(report: &Report, policy: ReviewPolicy) -> Verdict {
    let mut reasons = Vec::new();
    for s in &report.scores {
        if let Some(j) = &s.judge {
            if j.score.abs_diff(s.score) > policy.judge_margin {
                reasons.push(HoldReason::Feedback {
                    concern: ReportConcern::JudgeDisagrees,
                    requirement_id: s.requirement_id.clone(),
                    detail: format!(
                        "{}: the report gives {}/5, the second reading {}/5 (\"{}\")",
                        s.competency, s.score, j.score, j.reason
                    ),
                });
            }
        }
        if s.reference.is_some() {
            reasons.push(HoldReason::Feedback {
                concern: ReportConcern::ReferenceAnswer,
                requirement_id: s.requirement_id.clone(),
                detail: format!("{}: an example answer written by the model", s.competency),
            });
        }
        if !policy.check_reports {
            continue;
        }
        if s.score >= 4 && s.evidence.is_none() {
            reasons.push(HoldReason::Feedback {
                concern: ReportConcern::ThinEvidence,
                requirement_id: s.requirement_id.clone(),
                detail: format!(
                    "{}: {}/5 with no sentence of the candidate's to quote",
                    s.competency, s.score
                ),
            });
        }
        if let Some(g) = &s.signals {
            // Half the requirement's points covered, yet the answer as a whole reads as off
            // the requirement (and is capped at 2): one of the two measures is wrong about it.
            // (The opposite, on the requirement with none of its points, is how a strong
            // answer in the candidate's own words often reads: the calibration set has them,
            // so it is not a reason.)
            if g.substance >= 0.5 && g.relevance < crate::scoring::OFF_TOPIC {
                reasons.push(HoldReason::Feedback {
                    concern: ReportConcern::SignalsDisagree,
                    requirement_id: s.requirement_id.clone(),
                    detail: format!(
                        "{}: {}/5, on the requirement {:.0}%, its points covered {:.0}%",
                        s.competency,
                        s.score,
                        g.relevance * 100.0,
                        g.substance * 100.0
                    ),
                });
            }
        }
    }
    if reasons.is_empty() {
        Verdict::Show
    } else {
        Verdict::Held(reasons)
    }
}

/// The note a held report carries to the candidate once a reviewer approves it (the reviewer
/// may edit it first): one line per requirement a reason names, in plain words.
pub fn report_note(report: &Report, reasons: &[HoldReason]) -> String {
    let mut lines = vec!["A reviewer checked your feedback report.".to_owned()];
    for s in &report.scores {
        let concerns: Vec<ReportConcern> = reasons
            .iter()
            .filter_map(|r| match r {
                HoldReason::Feedback {
                    concern,
                    requirement_id,
                    ..
                } if *requirement_id == s.requirement_id => Some(*concern),
                _ => None,
            })
            .collect();
        if concerns.is_empty() {
            continue;
        }
        let only_reference = concerns
            .iter()
            .all(|c| *c == ReportConcern::ReferenceAnswer);
        let line = match (&s.judge, concerns.contains(&ReportConcern::JudgeDisagrees)) {
            _ if only_reference => String::new(),
            (Some(j), true) => format!(
                "On {}, a second reading scored your answer {} out of 5 where the report gives {}: {}",
                s.competency, j.score, s.score, j.reason
            ),
            _ if concerns.contains(&ReportConcern::ThinEvidence) => format!(
                "On {}, your score of {} out of 5 rests on no sentence that could be quoted from your answers.",
                s.competency, s.score
            ),
            _ => format!(
                "On {}, the measures behind your score of {} out of 5 point different ways, so take it as a rough guide.",
                s.competency, s.score
            ),
        };
        if !line.is_empty() {
            lines.push(line);
        }
        if let Some(reference) = s
            .reference
            .as_ref()
            .filter(|_| concerns.contains(&ReportConcern::ReferenceAnswer))
        {
            lines.push(format!(
                "An example of a strong answer on {} (written by the model, checked by a person): {reference}",
                s.competency
            ));
        }
    }
    lines.join("\n\n")
}

#[cfg(test)]
mod tests;
