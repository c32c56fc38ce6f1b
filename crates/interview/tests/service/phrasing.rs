//! The model's phrasing: what is streamed and when, the canary kept in, follow-ups that react.

use crate::common::*;
use crate::BUILT_RUST_QUESTION;
use rehearse_interview::live::LiveEvent;
use rehearse_llm::scripted::{Script, ScriptedModel};
use rehearse_llm::testing::test_limits;
use rehearse_llm::LlmError;
use rehearse_testkit::{both_backends, fresh_db, Backend};

/// A phrasing the check rejects never reaches the browser, and the system prompt's canary never
/// leaves the server: not streamed, not stored.
async fn a_rejected_phrasing_is_never_streamed_and_the_canary_never_leaves(backend: Backend) {
    let (_t, model, service) = scripted_service(backend, vec![Script::text("placeholder")]).await;
    let canary = service.canary().to_owned();
    // Passes every other check (one question, the requirement's terms, no new numbers).
    model.replace(vec![Script::text(&format!(
        "How do you write safe, fast asynchronous services in Rust, given marker {canary}?"
    ))]);
    let id = start(&service).await;
    let (_, mut events) = service.live().subscribe(&id);
    say(&service, &id, "Ready.", "k1").await;
    let mut drafted = String::new();
    while let Ok(event) = events.try_recv() {
        if let LiveEvent::Token { text } = event {
            drafted.push_str(&text);
        }
    }
    assert!(
        !drafted.contains(&canary),
        "a rejected phrasing was streamed: {drafted}"
    );
    let messages = service.store().messages(&id).await.expect("messages");
    assert_eq!(
        drafted,
        messages.last().expect("question").content,
        "only the question that was kept is streamed"
    );
    assert!(messages.iter().all(|m| !m.content.contains(&canary)));
    assert_last_message_starts(&service, &id, BUILT_RUST_QUESTION).await;
    // The canary was in the system prompt the model saw.
    let request = model.requests().pop().expect("a request");
    assert!(request.messages[0].content.contains(&canary));
}
both_backends!(a_rejected_phrasing_is_never_streamed_and_the_canary_never_leaves);

/// An accepted phrasing is streamed as the model wrote it, before the message is committed.
async fn an_accepted_phrasing_streams_before_it_is_committed(backend: Backend) {
    let phrasing = "How do you write safe, fast asynchronous services in Rust with tokio?";
    let (_t, _, service) = scripted_service(backend, vec![Script::text(phrasing)]).await;
    let id = start(&service).await;
    let (_, mut events) = service.live().subscribe(&id);
    say(&service, &id, "Ready.", "k1").await;
    let mut drafted = String::new();
    let mut committed = None;
    while let Ok(event) = events.try_recv() {
        match event {
            LiveEvent::Token { text } => {
                assert!(committed.is_none(), "tokens come before the commit");
                drafted.push_str(&text);
            }
            LiveEvent::Message { message } if message.author == "interviewer" => {
                committed = Some(message.content)
            }
            _ => {}
        }
    }
    assert_eq!(drafted, phrasing);
    assert_eq!(committed.as_deref(), Some(phrasing));
}
both_backends!(an_accepted_phrasing_streams_before_it_is_committed);

/// A model that answers every phrasing request by building on the question it is given, and
/// says which answer it heard (a double for a capable model reacting to the conversation).
struct Reacting;

#[async_trait::async_trait]
impl rehearse_llm::ChatModel for Reacting {
    fn provider(&self) -> &str {
        "scripted"
    }
    fn model(&self) -> &str {
        "reacting"
    }
    async fn stream(
        &self,
        request: &rehearse_llm::ChatRequest,
    ) -> Result<rehearse_llm::EventStream, LlmError> {
        let task = request
            .messages
            .iter()
            .rev()
            .find_map(|m| m.content.strip_prefix("Rewrite this question: "))
            .unwrap_or("What else?")
            .to_owned();
        let heard = request
            .messages
            .iter()
            .any(|m| m.content.contains("Not sure."));
        let reply = if heard {
            format!("Since you were not sure, let me ask differently. {task}")
        } else {
            task
        };
        ScriptedModel::new(vec![Script::text(&reply)])
            .stream(request)
            .await
    }
}

/// With the model declared capable, follow-ups are phrased by it (reacting to the answer), under
/// the same checks; without, the built follow-up is asked as it is.
async fn a_capable_model_phrases_follow_ups_that_react_to_the_answer(backend: Backend) {
    for capable in [true, false] {
        let t = fresh_db(backend).await;
        let service = service_with_chat(
            &t,
            std::sync::Arc::new(Reacting),
            generous_ceilings(),
            test_limits(),
        )
        .await
        .with_capable(capable);
        let id = start(&service).await;
        say(&service, &id, "Ready.", "k1").await;
        say(&service, &id, "Not sure.", "k2").await;
        let follow = last_message(&service, &id).await;
        assert_eq!(follow.requirement_id.as_deref(), Some("r1"));
        if capable {
            assert!(
                follow.content.starts_with(
                    "Since you were not sure, let me ask differently. Could you go deeper on "
                ),
                "{}",
                follow.content
            );
            assert_eq!(follow.content.matches('?').count(), 1, "one question");
        } else {
            assert!(
                follow.content.starts_with("Could you go deeper on "),
                "{}",
                follow.content
            );
        }
    }
}
both_backends!(a_capable_model_phrases_follow_ups_that_react_to_the_answer);
