//! The gateway under test: the shared test gateway over a scripted model with replies capped at
//! 256 tokens and generous ceilings, the call context of an interview's question, a tool and a
//! request.

use rehearse_llm::budget::DefaultCeilings;
use rehearse_llm::gateway::{CallContext, Limits};
use rehearse_llm::scripted::ScriptedModel;
use rehearse_llm::testing::{ceilings_usd, chat_request, test_limits, TestGateway};
use rehearse_llm::{ChatRequest, ToolSpec};
use rehearse_testkit::TestDb;

/// The shared limits with replies capped at 256 tokens (the capping test asserts it).
pub(crate) fn limits() -> Limits {
    Limits {
        max_reply_tokens: 256,
        ..test_limits()
    }
}

/// The tests' ceilings: the user's day ($5) and the platform's ($100) above the interview's ($1).
pub(crate) fn generous() -> DefaultCeilings {
    ceilings_usd(1.0, 5.0, 100.0)
}

/// The shared test gateway over `model` with these limits and ceilings.
pub(crate) fn gateway(t: &TestDb, model: &ScriptedModel) -> TestGateway {
    TestGateway::new(&t.db)
        .scripted(model)
        .limits(limits())
        .ceilings(generous())
}

pub(crate) fn ctx(tools: &[&str]) -> CallContext {
    CallContext {
        user_id: Some("user-1".into()),
        interview_id: Some("interview-1".into()),
        step: "question".into(),
        prompt_version: Some("interviewer@3".into()),
        allowed_tools: tools.iter().map(|t| t.to_string()).collect(),
        context_ids: vec!["chunk-7".into()],
        screening: Vec::new(),
        slot_wait: None,
    }
}

pub(crate) fn tool(name: &str) -> ToolSpec {
    ToolSpec {
        name: name.into(),
        description: format!("{name} tool"),
        parameters: serde_json::json!({"type": "object"}),
    }
}

pub(crate) fn request(text: &str) -> ChatRequest {
    chat_request("You interview.", text, 64)
}
