//! An ungrounded written answer: a generative model's figure the job description never states
//! is held with the model's conversation as its trace; the system prompt is for admins only.

use super::candidate_view::everything_the_candidate_sees;
use super::{
    assert_held, assert_made_by, at_the_candidates_questions, held_item, review_queue, reviewer,
};
use crate::knowledge::say;
use crate::support::{json, Backend, TestApp};
use rehearse_testkit::both_backends;

/// A capable model writing answers about the role (`answers = "generative"`), played by a
/// double: it searches with its one tool, then writes an answer with a figure the job
/// description never states. The grounding check holds it; the reviewer sees the model's
/// conversation (no system prompt unless admin) and the candidate only the notice.
struct Writer;

#[async_trait::async_trait]
impl rehearse_llm::ChatModel for Writer {
    fn provider(&self) -> &str {
        "scripted"
    }
    fn model(&self) -> &str {
        "writer"
    }
    async fn stream(
        &self,
        request: &rehearse_llm::ChatRequest,
    ) -> Result<rehearse_llm::EventStream, rehearse_llm::LlmError> {
        use rehearse_knowledge::generative::SEARCH_TOOL;
        use rehearse_llm::scripted::{Script, ScriptedModel};
        let searching = request.tools.iter().any(|t| t.name == SEARCH_TOOL);
        let searched = request
            .messages
            .iter()
            .any(|m| m.role == rehearse_llm::MessageRole::Tool);
        let script = match (searching, searched) {
            (true, false) => Script::tool(SEARCH_TOOL, "{\"query\": \"holiday\"}"),
            (true, true) => Script::text("You get 35 days of holiday a year [1]."),
            (false, _) => Script::text("Could you tell me about that?"),
        };
        ScriptedModel::new(vec![script]).stream(request).await
    }
}

async fn a_written_answer_with_an_unstated_figure_is_held_with_its_trace(backend: Backend) {
    let app = TestApp::spawn_with_model(
        backend,
        |s| {
            s.llm.provider = rehearse_settings::LlmProvider::Openai;
            s.llm.model = Some("writer".into());
            s.llm.free = true;
            s.llm.capable = true;
            s.knowledge.answers = rehearse_settings::AnswerMode::Generative;
        },
        std::sync::Arc::new(Writer),
    )
    .await;
    let (admin, candidate, id) = at_the_candidates_questions(&app).await;
    let replies = say(&candidate, &id, "How much holiday do I get?", "ask-holiday").await;
    assert_held(&replies, "35 days");

    let queue = review_queue(&admin, "ungrounded").await;
    let item = &queue.as_array().expect("queue")[0];
    let review_id = item["id"].as_str().expect("id").to_owned();
    let full = held_item(&admin, &review_id, "35 days").await;
    assert_made_by(&full, "writer");
    let trace = &full["trace"];
    let messages = trace["messages"].as_array().expect("messages");
    assert!(
        messages.iter().any(|m| m["role"] == "tool"
            && m["content"]
                .as_str()
                .unwrap_or_default()
                .contains("28 days")),
        "the passages the search returned: {full:#}"
    );
    assert!(
        messages.iter().any(|m| m["role"] == "system"),
        "admins see it"
    );

    // A reviewer who is not an admin sees the same trace without the system prompt.
    let reviewer = reviewer(&app, &admin, "rita@example.com").await;
    let seen = json(
        reviewer
            .server_fn("review_item", &[("id", &review_id)])
            .await,
    )
    .await;
    let messages = seen["trace"]["messages"].as_array().expect("messages");
    assert!(!messages.is_empty());
    assert!(messages.iter().all(|m| m["role"] != "system"), "{seen:#}");
    assert_eq!(seen["trace"]["full_trace"], false);

    // The candidate's own view has neither the held text nor the trace.
    let everything = everything_the_candidate_sees(&candidate, &id).await;
    assert!(!everything.contains("35 days"), "{everything}");
}
both_backends!(a_written_answer_with_an_unstated_figure_is_held_with_its_trace);
