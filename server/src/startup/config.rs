//! Translating the settings into the configuration values the services take (session
//! lifetimes, the review policy, who answers questions about uploaded roles). These are pure
//! mappings with no wiring, so they live apart from the composition root that uses them.

use rehearse_settings::Settings;
use std::time::Duration;

/// Session lifetimes from the settings: idle, and absolute for candidates and for staff.
pub(super) fn session_lifetimes(
    settings: &Settings,
) -> rehearse_auth::user_sessions::SessionLifetimes {
    rehearse_auth::user_sessions::SessionLifetimes {
        idle: Duration::from_secs(u64::from(settings.session_idle_hours) * 3600),
        candidate: Duration::from_secs(settings.sessions.absolute_secs),
        staff: Duration::from_secs(settings.sessions.staff_absolute_secs),
    }
}

/// Who writes answers about uploaded roles: quoted from the chunks, unless the model is declared
/// capable and `REHEARSE_KNOWLEDGE__ANSWERS=generative` (settings refuse the one without the
/// other).
pub(super) fn role_answer_config(
    settings: &Settings,
) -> rehearse_interview::service::RoleAnswerConfig {
    use rehearse_knowledge::generative::AnswerMode;
    rehearse_interview::service::RoleAnswerConfig {
        mode: match settings.knowledge.answers {
            rehearse_settings::AnswerMode::Generative if settings.llm.capable => {
                AnswerMode::Generative
            }
            _ => AnswerMode::Extractive,
        },
        limits: rehearse_llm::agent::TurnLimits {
            max_iterations: settings.llm.agent_max_iterations,
            deadline: Duration::from_secs(settings.llm.agent_deadline_secs),
        },
        max_tokens: settings.llm.max_reply_tokens,
        ..Default::default()
    }
}

/// The review policy from the settings.
pub(super) fn review_config(settings: &Settings) -> rehearse_interview::service::ReviewConfig {
    use rehearse_interview::verdict::{ReviewPolicy, SensitivePolicy, SensitiveTopic};
    let rule = |hold: rehearse_settings::SensitiveHold| match hold {
        rehearse_settings::SensitiveHold::Always => SensitivePolicy::Always,
        rehearse_settings::SensitiveHold::WhenUngrounded => SensitivePolicy::WhenUngrounded,
    };
    let mut policy = ReviewPolicy {
        sensitive: rule(settings.review.sensitive),
        judge_margin: settings.review.judge_margin,
        check_reports: settings.review.check_reports,
        weak_retrieval_below: settings.review.weak_retrieval_below,
        ..ReviewPolicy::default()
    };
    for (key, hold) in &settings.review.topics {
        // Settings refuse unknown topics, so every key is one.
        if let Some(topic) = SensitiveTopic::from_key(key) {
            policy = policy.with_topic(topic, rule(*hold));
        }
    }
    rehearse_interview::service::ReviewConfig {
        policy,
        deadline: settings.review.deadline_secs.map(Duration::from_secs),
    }
}
