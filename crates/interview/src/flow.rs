//! The interview as an explicit state machine. [`next`] is a pure function of the current
//! phase, the plan and the candidate's message, so every transition is unit-tested and the
//! persisted phase is all that is needed to resume after a restart.

use crate::roles::Role;
use serde::{Deserialize, Serialize};

/// The interview's type and level: one definition each, shared with the browser
/// (`rehearse_types`).
pub use rehearse_types::{Difficulty, InterviewKind as Kind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowConfig {
    pub main_questions: usize,
    pub max_follow_ups: u32,
    pub max_candidate_questions: u32,
}

impl Default for FlowConfig {
    fn default() -> Self {
        FlowConfig {
            main_questions: 3,
            max_follow_ups: 1,
            max_candidate_questions: 2,
        }
    }
}

/// Where the interview stands: what the interviewer last asked and is waiting for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum Phase {
    /// The greeting is out; waiting for the candidate to say they are ready.
    Intro,
    /// Main question `index` (0-based) is out, with `follow_ups` follow-ups asked so far.
    Main { index: usize, follow_ups: u32 },
    /// The candidate was invited to ask about the role; `asked` questions answered so far.
    CandidateQuestions { asked: u32 },
    /// Over; the report is written.
    Done,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpReason {
    /// The answer was too short to judge.
    Short,
    /// The answer did not touch the requirement.
    OffTopic,
}

/// What the interviewer does next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    AskMain {
        index: usize,
        requirement_id: String,
    },
    FollowUp {
        index: usize,
        requirement_id: String,
        reason: FollowUpReason,
    },
    InviteQuestions,
    AnswerRoleQuestion,
    WrapUp,
}

/// The requirement each main question covers, in order: the role's requirements, cycled.
pub fn plan(role: &Role, config: &FlowConfig) -> Vec<String> {
    if role.requirements.is_empty() {
        return Vec::new();
    }
    (0..config.main_questions)
        .map(|i| role.requirements[i % role.requirements.len()].id.clone())
        .collect()
}

/// Why an answer deserves a follow-up, if it does.
pub fn follow_up_reason(answer: &str, keywords: &[String]) -> Option<FollowUpReason> {
    let words = answer.split_whitespace().count();
    if words < 25 {
        return Some(FollowUpReason::Short);
    }
    let lower = answer.to_lowercase();
    if !keywords.iter().any(|k| lower.contains(k.as_str())) {
        return Some(FollowUpReason::OffTopic);
    }
    None
}

/// Decides what follows the candidate's `message` in `phase`. Returns the new phase and the
/// actions to take, in order. `None` when the interview is already over.
pub fn next(
    phase: &Phase,
    config: &FlowConfig,
    role: &Role,
    plan: &[String],
    message: &str,
) -> Option<(Phase, Vec<Action>)> {
    let ask_main = |index: usize| Action::AskMain {
        index,
        requirement_id: plan[index].clone(),
    };
    match phase {
        Phase::Done => None,
        Phase::Intro if plan.is_empty() => Some((
            Phase::CandidateQuestions { asked: 0 },
            vec![Action::InviteQuestions],
        )),
        Phase::Intro => Some((
            Phase::Main {
                index: 0,
                follow_ups: 0,
            },
            vec![ask_main(0)],
        )),
        Phase::Main { index, follow_ups } => {
            let requirement = plan
                .get(*index)
                .and_then(|id| role.requirements.iter().find(|r| &r.id == id));
            let reason = requirement.and_then(|r| follow_up_reason(message, &r.keywords));
            match reason {
                Some(reason) if *follow_ups < config.max_follow_ups => Some((
                    Phase::Main {
                        index: *index,
                        follow_ups: follow_ups + 1,
                    },
                    vec![Action::FollowUp {
                        index: *index,
                        requirement_id: plan[*index].clone(),
                        reason,
                    }],
                )),
                _ if index + 1 < plan.len() => Some((
                    Phase::Main {
                        index: index + 1,
                        follow_ups: 0,
                    },
                    vec![ask_main(index + 1)],
                )),
                _ => Some((
                    Phase::CandidateQuestions { asked: 0 },
                    vec![Action::InviteQuestions],
                )),
            }
        }
        Phase::CandidateQuestions { asked } => {
            if crate::declines::declines(message) {
                return Some((Phase::Done, vec![Action::WrapUp]));
            }
            let asked = asked + 1;
            if asked >= config.max_candidate_questions {
                Some((
                    Phase::Done,
                    vec![Action::AnswerRoleQuestion, Action::WrapUp],
                ))
            } else {
                Some((
                    Phase::CandidateQuestions { asked },
                    vec![Action::AnswerRoleQuestion],
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roles;

    fn role() -> Role {
        roles::find("backend-rust").expect("sample role")
    }

    const GOOD: &str = "In my last job I built an async service in Rust with tokio that handled payment webhooks; \
        we used bounded channels for backpressure, careful ownership of buffers, and timeouts on every outbound call \
        so that one slow partner could not stall the whole service during peak traffic.";

    #[test]
    fn a_whole_interview() {
        let cfg = FlowConfig {
            main_questions: 2,
            max_follow_ups: 1,
            max_candidate_questions: 2,
        };
        let role = role();
        let plan = plan(&role, &cfg);
        assert_eq!(plan, vec!["r1", "r2"]);
        let (p, a) = next(&Phase::Intro, &cfg, &role, &plan, "ready").expect("open");
        assert_eq!(
            p,
            Phase::Main {
                index: 0,
                follow_ups: 0
            }
        );
        assert_eq!(
            a,
            vec![Action::AskMain {
                index: 0,
                requirement_id: "r1".into()
            }]
        );
        // A short answer gets one follow-up...
        let (p, a) = next(&p, &cfg, &role, &plan, "I like Rust.").expect("next");
        assert_eq!(
            p,
            Phase::Main {
                index: 0,
                follow_ups: 1
            }
        );
        assert!(matches!(
            a[0],
            Action::FollowUp {
                reason: FollowUpReason::Short,
                ..
            }
        ));
        // ...and no more than K: the next short answer moves on.
        let (p, a) = next(&p, &cfg, &role, &plan, "Still short.").expect("next");
        assert_eq!(
            p,
            Phase::Main {
                index: 1,
                follow_ups: 0
            }
        );
        assert_eq!(
            a,
            vec![Action::AskMain {
                index: 1,
                requirement_id: "r2".into()
            }]
        );
        let (p, a) = next(
            &p,
            &cfg,
            &role,
            &plan,
            &GOOD
                .replace("Rust", "PostgreSQL")
                .replace("tokio", "an index per query"),
        )
        .expect("next");
        assert_eq!(p, Phase::CandidateQuestions { asked: 0 });
        assert_eq!(a, vec![Action::InviteQuestions]);
        let (p, a) = next(&p, &cfg, &role, &plan, "What is the salary?").expect("next");
        assert_eq!(p, Phase::CandidateQuestions { asked: 1 });
        assert_eq!(a, vec![Action::AnswerRoleQuestion]);
        let (p, a) = next(&p, &cfg, &role, &plan, "Is it remote?").expect("next");
        assert_eq!(p, Phase::Done);
        assert_eq!(a, vec![Action::AnswerRoleQuestion, Action::WrapUp]);
        assert!(
            next(&p, &cfg, &role, &plan, "hello?").is_none(),
            "nothing after the end"
        );
    }

    #[test]
    fn a_good_answer_needs_no_follow_up_and_declining_ends_it() {
        let cfg = FlowConfig {
            main_questions: 1,
            ..FlowConfig::default()
        };
        let role = role();
        let plan = plan(&role, &cfg);
        let (p, a) = next(
            &Phase::Main {
                index: 0,
                follow_ups: 0,
            },
            &cfg,
            &role,
            &plan,
            GOOD,
        )
        .expect("next");
        assert_eq!(p, Phase::CandidateQuestions { asked: 0 });
        assert_eq!(a, vec![Action::InviteQuestions]);
        let (p, a) = next(&p, &cfg, &role, &plan, "No questions, thanks.").expect("next");
        assert_eq!((p, a), (Phase::Done, vec![Action::WrapUp]));
    }

    #[test]
    fn off_topic_answers_are_followed_up() {
        let long_off_topic = "word ".repeat(40);
        assert_eq!(
            follow_up_reason(&long_off_topic, &role().requirements[0].keywords),
            Some(FollowUpReason::OffTopic)
        );
        assert_eq!(
            follow_up_reason(GOOD, &role().requirements[0].keywords),
            None
        );
    }

    #[test]
    fn phases_round_trip_through_json() {
        for p in [
            Phase::Intro,
            Phase::Main {
                index: 2,
                follow_ups: 1,
            },
            Phase::CandidateQuestions { asked: 1 },
            Phase::Done,
        ] {
            let text = serde_json::to_string(&p).expect("json");
            assert_eq!(serde_json::from_str::<Phase>(&text).expect("back"), p);
        }
    }
}
