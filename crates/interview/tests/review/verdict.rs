//! The verdict on a sample role: a pay question is answered "not stated", nothing is held, and
//! the answer has a trace even with no model call.

use crate::common::*;
use rehearse_testkit::{both_backends, Backend};

async fn a_pay_question_on_a_sample_role_goes_through_the_verdict(backend: Backend) {
    let (t, service, id) = started(backend).await;
    for (i, text) in ["Ready.", ANSWER_RUST, ANSWER_DB, "Not sure.", ANSWER_OPS]
        .iter()
        .enumerate()
    {
        say(&service, &id, text, &format!("k{i}")).await;
    }
    // The sample role states no pay: "not stated" is shown, nothing is held.
    say(&service, &id, "What does it pay?", "k-pay").await;
    let messages = service.store().messages(&id).await.expect("messages");
    assert!(messages.iter().all(|m| !m.held), "{messages:?}");
    let answer = messages
        .iter()
        .find(|m| m.content == rehearse_knowledge::NOT_STATED)
        .expect("not stated");
    assert_eq!(service.reviews().pending_count().await.expect("count"), 0);
    // Even with no model call the answer has a trace: what was asked and the verdict.
    let trace = trace_of(&t, &service, &answer.id).await;
    assert_eq!(
        (trace.step.as_str(), trace.provider.as_str()),
        ("role_answer", "knowledge")
    );
    assert_eq!(trace.request["question"], "What does it pay?");
    assert_eq!(trace.request["verdict"], "not_stated", "{}", trace.request);
}
both_backends!(a_pay_question_on_a_sample_role_goes_through_the_verdict);
