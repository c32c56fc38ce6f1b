//! Answers to the candidate's questions about the role, and the verdict on each: shown,
//! "not stated", or held for a reviewer ([`crate::verdict::decide`]). Uploaded job descriptions
//! and sample roles alike are answered from their job description's chunks (through the
//! [`RoleAnswerer`] seam), quoted (extractive, the default) or written by a capable model
//! through an agent with one search tool (generative).
//! Every answer leaves a trace: the model calls' own, or for an extractive answer (no model
//! call) a retrieval trace with the question, the chunks and their scores, and the verdict, so
//! a reviewer can always see what produced a held answer.

use super::{InterviewService, ReviewConfig};
use crate::review::Hold;
use crate::role_source::{RoleAnswerer, RoleRef};
use crate::store::{Grounded, Interview};
use crate::verdict::{self, Drafted, HoldReason, Verdict};
use rehearse_knowledge::generative::AnswerMode;
use rehearse_knowledge::Answer;
use rehearse_llm::agent::TurnLimits;
use rehearse_llm::gateway::CallContext;

mod retrieval_trace;

use retrieval_trace::Retrieved;

/// The step name of role answers in traces.
const STEP: &str = "role_answer";

/// Who writes answers about uploaded roles, and the agent's limits when a model does.
#[derive(Debug, Clone, Copy)]
pub struct RoleAnswerConfig {
    pub mode: AnswerMode,
    pub limits: TurnLimits,
    pub max_tokens: u32,
    /// How long a quoted answer may wait for the knowledge base; past it the candidate is told
    /// it cannot be looked up now (never a guess), and the turn goes on.
    pub knowledge_deadline: std::time::Duration,
}

impl Default for RoleAnswerConfig {
    fn default() -> Self {
        RoleAnswerConfig {
            mode: AnswerMode::Extractive,
            limits: TurnLimits {
                max_iterations: 4,
                deadline: std::time::Duration::from_secs(45),
            },
            max_tokens: 256,
            knowledge_deadline: std::time::Duration::from_secs(15),
        }
    }
}

/// An answer ready to store: its text, its grounding and hold, how it ended, and the trace
/// behind it.
pub(super) struct RoleReply {
    pub text: String,
    pub grounded: Grounded,
    pub outcome: Outcome,
    pub trace_id: Option<String>,
}

/// How a question about the role ended, as its retrieval trace records it: decided where the
/// reply is made, never read back from the reply's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    /// Answered and shown.
    Shown,
    /// The job description does not say; shown as such.
    NotStated,
    /// Held for a reviewer.
    Held,
    /// The candidate pressed Stop before it was ready.
    Stopped,
    /// The knowledge base failed or did not answer in time; the candidate was told so.
    LookupFailed,
    /// The answering agent gave up (a limit, a deadline, a refused tool); the honest fallback
    /// was shown.
    GaveUp,
}

impl Outcome {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Outcome::Shown => "shown",
            Outcome::NotStated => "not_stated",
            Outcome::Held => "held",
            Outcome::Stopped => "stopped",
            Outcome::LookupFailed => "lookup_failed",
            Outcome::GaveUp => "gave_up",
        }
    }
}

impl InterviewService {
    /// Answers `question` about the interview's role, a sample's as an upload's: from the
    /// role's job description through the answerer, under the one verdict. Stop ends the
    /// lookup (or the answering agent's calls) at once, and the candidate is told so.
    pub(super) async fn answer_about_role(
        &self,
        interview: &Interview,
        role: &crate::roles::Role,
        question: &str,
        stop: &Stop,
    ) -> RoleReply {
        let role = RoleRef::parse(&role.slug);
        let Some(answerer) = self.answerer.clone() else {
            return cannot_look_up(&role, "no knowledge base is configured");
        };
        let asked = Asked {
            answerer: answerer.as_ref(),
            interview,
            role: &role,
            question,
            stop,
        };
        match self.role_answers.mode {
            AnswerMode::Generative => self.generative_answer(asked).await,
            AnswerMode::Extractive => self.extractive_answer(asked).await,
        }
    }

    async fn extractive_answer(&self, asked: Asked<'_>) -> RoleReply {
        let (role, question) = (asked.role, asked.question);
        let clock = std::time::Instant::now();
        let started_at = rehearse_db::now_ms();
        let deadline = self.role_answers.knowledge_deadline;
        let quoted = tokio::time::timeout(deadline, asked.answerer.quote(role, question));
        let mut stop = asked.stop.clone();
        let answered = tokio::select! {
            result = quoted => match result {
                Ok(Ok(a)) => Lookup::Answered(a),
                Ok(Err(e)) => Lookup::Failed(e),
                Err(_) => Lookup::Failed(format!(
                    "the knowledge base did not answer within {} ms",
                    deadline.as_millis()
                )),
            },
            Ok(()) = stop.changed() => Lookup::Stopped,
        };
        let mut chunks = Vec::new();
        let reply = match answered {
            Lookup::Answered(a) => {
                chunks = a
                    .retrieval
                    .ranked
                    .iter()
                    .map(|s| {
                        serde_json::json!({
                            "section": s.candidate.section,
                            "cosine": s.candidate.cosine,
                            "bm25": s.candidate.bm25,
                            "rerank": s.rerank,
                            "passed": s.passed,
                            "second_look": s.second_look,
                            "reason": s.reason.as_ref().map(ToString::to_string),
                        })
                    })
                    .collect();
                tracing::info!(
                    role = %role,
                    cited = a.citations.len(),
                    flags = ?a.flags,
                    "answered a question about the role"
                );
                self.checked(question, a)
            }
            Lookup::Failed(e) => cannot_look_up(role, &e),
            Lookup::Stopped => stopped(),
        };
        let trace_id = self
            .retrieval_trace(
                asked,
                Retrieved {
                    reply: &reply,
                    chunks,
                    started_at,
                    clock,
                },
            )
            .await;
        RoleReply { trace_id, ..reply }
    }

    async fn generative_answer(&self, asked: Asked<'_>) -> RoleReply {
        let (interview, role, question) = (asked.interview, asked.role, asked.question);
        let ctx = CallContext {
            user_id: Some(interview.user_id.clone()),
            interview_id: Some(interview.id.clone()),
            step: STEP.into(),
            prompt_version: Some(format!("{STEP}@builtin")),
            context_ids: vec![role.slug()],
            ..CallContext::default()
        };
        let writing = asked
            .answerer
            .write(&self.gateway, ctx, role, question, self.role_answers);
        let mut stop = asked.stop.clone();
        // Dropping the agent's future drops its model call, which cancels it upstream and
        // leaves its trace `cancelled`.
        let generated = tokio::select! {
            generated = writing => generated,
            Ok(()) = stop.changed() => return stopped(),
        };
        let trace_id = generated.trace_id().map(str::to_owned);
        let reply = match generated.answer {
            Ok(a) => self.checked(question, a),
            Err(gave_up) => {
                tracing::warn!(role = %role, reason = %gave_up.describe(), "the answering agent gave up");
                RoleReply {
                    text: verdict::FALLBACK.to_owned(),
                    grounded: Grounded {
                        flags: vec![gave_up.describe()],
                        ..Grounded::default()
                    },
                    outcome: Outcome::GaveUp,
                    trace_id: None,
                }
            }
        };
        RoleReply { trace_id, ..reply }
    }

    /// The verdict on an answer the knowledge base (or the agent) produced.
    fn checked(&self, question: &str, a: Answer) -> RoleReply {
        let draft = Drafted {
            question,
            not_stated: a.text == rehearse_knowledge::NOT_STATED,
            ungrounded: if a.held { a.flags.clone() } else { Vec::new() },
            weak_retrieval: a.text != rehearse_knowledge::NOT_STATED
                && verdict::weak_retrieval(
                    a.retrieval
                        .passed()
                        .map(|s| s.rerank as f32)
                        .reduce(f32::max),
                    self.review.policy,
                ),
            screened: crate::screen::screen(question),
        };
        let grounded = Grounded {
            citations: a.citations,
            flags: a.flags,
            ..Grounded::default()
        };
        let (grounded, outcome) = judged(&draft, grounded, &self.review);
        RoleReply {
            grounded,
            outcome,
            text: a.text,
            trace_id: None,
        }
    }
}

/// A candidate's question about the role and who answers it: what both answer modes (and the
/// retrieval trace of an extractive answer) work from.
#[derive(Clone, Copy)]
struct Asked<'a> {
    answerer: &'a dyn RoleAnswerer,
    interview: &'a Interview,
    role: &'a RoleRef,
    question: &'a str,
    stop: &'a Stop,
}

/// The turn's Stop signal (true once the candidate pressed Stop).
type Stop = tokio::sync::watch::Receiver<bool>;

/// How a quoted answer's lookup ended.
enum Lookup {
    Answered(Answer),
    /// The knowledge base failed or passed its deadline: why.
    Failed(String),
    /// The candidate pressed Stop first.
    Stopped,
}

/// What the candidate reads when they stopped an answer about the role.
const STOPPED: &str = "You stopped that answer before it was ready. Ask again whenever you like.";

/// The reply to a stopped answer: shown as it is, nothing looked up, nothing to review.
fn stopped() -> RoleReply {
    RoleReply {
        text: STOPPED.to_owned(),
        grounded: Grounded {
            flags: vec!["stopped by the candidate".to_owned()],
            ..Grounded::default()
        },
        outcome: Outcome::Stopped,
        trace_id: None,
    }
}

/// What the candidate reads when the job description cannot be searched: nothing is guessed,
/// and the failure is flagged.
fn cannot_look_up(role: &RoleRef, error: &str) -> RoleReply {
    tracing::warn!(role = %role, error = %error, "could not answer from the job description");
    RoleReply {
        text: "I can't look that up in the job description right now, so I won't guess. Please ask again later.".to_owned(),
        grounded: Grounded {
            flags: vec![format!("retrieval failed: {error}")],
            ..Grounded::default()
        },
        outcome: Outcome::LookupFailed,
        trace_id: None,
    }
}

/// Applies the verdict to an answer: a held one carries its reasons and what its review
/// needs, so the message and its review are stored together.
fn judged(
    draft: &Drafted<'_>,
    mut grounded: Grounded,
    review: &ReviewConfig,
) -> (Grounded, Outcome) {
    let reasons = match verdict::decide(draft, review.policy) {
        Verdict::Show => return (grounded, Outcome::Shown),
        Verdict::NotStated => return (grounded, Outcome::NotStated),
        Verdict::Held(reasons) => reasons,
    };
    grounded.held = true;
    grounded
        .flags
        .extend(reasons.iter().map(HoldReason::describe));
    grounded.hold = Some(Hold {
        question: draft.question.to_owned(),
        reasons,
        deadline_at: review
            .deadline
            .map(|d| rehearse_db::now_ms() + d.as_millis() as i64),
    });
    (grounded, Outcome::Held)
}
