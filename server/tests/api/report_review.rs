//! A feedback report under review, over HTTP: with a capable model whose second reading
//! disputes the scores, the candidate's report shows its deterministic scores at once, marked
//! under review, without the model's readings or the held note's text; a reviewer approves the
//! note; then the candidate reads it, and the report is no longer under review.

use crate::interviews::start;
use crate::knowledge::{detail, message_count, shown, until_replied, TURN_WAIT};
use crate::review::{approve, claim, review_queue};
use crate::support::{Backend, TestApp};
use rehearse_testkit::both_backends;
use std::time::Duration;

/// A capable model that scores every answer 1 (quoting the answer's first sentence), and
/// returns phrasing requests' built questions as they are.
struct Harsh;

const REASON: &str = "The answer names tools but shows no result.";

#[async_trait::async_trait]
impl rehearse_llm::ChatModel for Harsh {
    fn provider(&self) -> &str {
        "scripted"
    }
    fn model(&self) -> &str {
        "harsh"
    }
    async fn stream(
        &self,
        request: &rehearse_llm::ChatRequest,
    ) -> Result<rehearse_llm::EventStream, rehearse_llm::LlmError> {
        use rehearse_llm::scripted::{Script, ScriptedModel};
        use rehearse_llm::MessageRole;
        let system = |start: &str| {
            request
                .messages
                .iter()
                .any(|m| m.role == MessageRole::System && m.content.starts_with(start))
        };
        let last_user = request
            .messages
            .iter()
            .rfind(|m| m.role == MessageRole::User)
            .map(|m| m.content.clone())
            .unwrap_or_default();
        let reply = if system("You grade one answer") {
            let answer = last_user
                .split_once("\">\n")
                .map(|(_, rest)| rest.to_owned())
                .unwrap_or_default();
            let first = answer
                .split_inclusive('.')
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned();
            format!(
                r#"{{"score": 1, "quotes": [{}], "reason": "{REASON}"}}"#,
                serde_json::to_string(&first).expect("json")
            )
        } else if system("You write an example of a strong answer") {
            String::new()
        } else {
            request
                .messages
                .iter()
                .rev()
                .find_map(|m| m.content.strip_prefix("Rewrite this question: "))
                .unwrap_or("What else?")
                .to_owned()
        };
        ScriptedModel::new(vec![Script::text(&reply)])
            .stream(request)
            .await
    }
}

const ANSWER: &str = "In my last job we built an async payments service in Rust on tokio. We handled 3000 requests a second \
    with bounded channels, and I wrote the retry layer and the timeouts myself, measuring p99 before and after each change.";

/// Sends a message once the interviewer's turn is over (a turn may post more than one message,
/// so a reply seen does not mean the turn ended), then waits for the reply.
async fn send(client: &crate::support::Client, id: &str, text: &str, key: &str) {
    let deadline = tokio::time::Instant::now() + TURN_WAIT;
    while tokio::time::Instant::now() < deadline {
        let before = message_count(client, id).await;
        let sent = crate::interviews::send(client, id, text, key).await;
        match sent.status().as_u16() {
            200 => {
                until_replied(client, id, before, text).await;
                return;
            }
            // The turn before is still running: the same message, with the same key, again.
            409 => tokio::time::sleep(Duration::from_millis(50)).await,
            other => {
                let body = sent.text().await.unwrap_or_default();
                // The interview ended with the turn that was still running (its wrap-up).
                if other == 422 && body.contains("over") {
                    return;
                }
                panic!("send failed: {other} {body}");
            }
        }
    }
    let d = detail(client, id).await;
    panic!("the interviewer never finished its turn: {}", shown(&d, 0));
}

/// Polls the interview until its report is written.
async fn until_reported(client: &crate::support::Client, id: &str) -> serde_json::Value {
    let deadline = tokio::time::Instant::now() + TURN_WAIT;
    loop {
        let d = detail(client, id).await;
        if !d["report"].is_null() {
            return d;
        }
        if tokio::time::Instant::now() >= deadline {
            panic!("no report: {}", shown(&d, 0));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn a_disputed_report_is_under_review_until_a_reviewer_decides(backend: Backend) {
    let app = TestApp::spawn_with_model(
        backend,
        |s| {
            s.llm.provider = rehearse_settings::LlmProvider::Openai;
            s.llm.model = Some("harsh".into());
            s.llm.free = true;
            s.llm.capable = true;
        },
        std::sync::Arc::new(Harsh),
    )
    .await;
    let admin = app.admin().await;
    let candidate = app.signed_up("rhea@example.com").await;
    let id = start(&candidate).await;
    send(&candidate, &id, "Ready.", "ready").await;
    for turn in 0..8 {
        let d = detail(&candidate, &id).await;
        if d["status"] == "done" || !d["report"].is_null() {
            break;
        }
        let last = d["messages"]
            .as_array()
            .and_then(|m| m.last())
            .and_then(|m| m["html"].as_str())
            .unwrap_or_default()
            .to_owned();
        let reply = if last.contains("What would you like to know about the role") {
            "No questions, thanks."
        } else {
            ANSWER
        };
        send(&candidate, &id, reply, &format!("turn-{turn}")).await;
    }
    let d = until_reported(&candidate, &id).await;
    let report = &d["report"];
    assert_eq!(report["under_review"], true, "{report:#}");
    assert!(
        report["scores"]
            .as_array()
            .expect("scores")
            .iter()
            .all(|s| s["second_reading"].is_null() && s["score"].as_u64().is_some()),
        "deterministic scores at once, without the disputed readings: {report:#}"
    );
    let raw = d.to_string();
    assert!(!raw.contains(REASON), "the held note's text is not sent");
    assert!(raw.contains("A note on your feedback report is being checked by a reviewer"));
    // The page says so too.
    let page = candidate.get(&format!("/interviews/{id}")).await;
    let page = page.text().await.unwrap_or_default();
    assert!(page.contains("data-testid=\"report-under-review\""));
    assert!(!page.contains(REASON));

    let queue = review_queue(&admin, "feedback").await;
    let item = &queue.as_array().expect("queue")[0];
    let review_id = item["id"].as_str().expect("id").to_owned();
    claim(&admin, &review_id).await;
    approve(&admin, &review_id).await;
    let d = detail(&candidate, &id).await;
    assert_eq!(d["report"]["under_review"], false, "{:#}", d["report"]);
    assert!(d["report"]["scores"][0]["second_reading"] == 1);
    let raw = d.to_string();
    assert!(
        raw.contains(REASON),
        "the approved note reaches the candidate"
    );
    assert_eq!(raw.matches(REASON).count(), 1, "once");
}
both_backends!(a_disputed_report_is_under_review_until_a_reviewer_decides);
