//! Provider clients on the wire: the OpenAI-compatible client against a real llama.cpp server
//! process (PyPI `xllamacpp`, started by `scripts/openai-server.sh` on the SmolLM2 GGUF that
//! `scripts/fetch-models.sh` unpacks), the recorded xllamacpp streams, and the Anthropic client
//! against recorded Messages-API streams served over HTTP.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use futures::StreamExt;
use rehearse_llm::anthropic::Anthropic;
use rehearse_llm::gateway::{CallContext, GatewayEvent, Limits};
use rehearse_llm::openai::{Decoder, OpenAiCompatible};
use rehearse_llm::pricing::Pricing;
use rehearse_llm::testing::{call_trace, chat_request, TestGateway};
use rehearse_llm::{ChatModel, ChatRequest, FinishReason, LlmError, StreamEvent, ToolSpec};
use rehearse_testkit::{both_backends, fresh_db, Backend, LlamaServer};
use secrecy::SecretString;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

fn fixture(path: &str) -> String {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path);
    std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

fn data_payloads(sse: &str) -> Vec<String> {
    sse.lines()
        .filter_map(|l| l.strip_prefix("data: ").or_else(|| l.strip_prefix("data:")))
        .map(|d| d.trim().to_owned())
        .collect()
}

fn request(text: &str) -> ChatRequest {
    ChatRequest {
        temperature: Some(0.2),
        ..chat_request("You are a concise interviewer.", text, 24)
    }
}

async fn collect(
    model: &dyn ChatModel,
    request: &ChatRequest,
) -> Vec<Result<StreamEvent, LlmError>> {
    match model.stream(request).await {
        Ok(stream) => stream.collect().await,
        Err(e) => vec![Err(e)],
    }
}

#[test]
fn recorded_llama_cpp_streams_decode() {
    let mut d = Decoder::default();
    let events: Vec<StreamEvent> = data_payloads(&fixture("xllamacpp/stream.sse"))
        .iter()
        .flat_map(|p| d.feed(p))
        .map(|e| e.expect("event"))
        .collect();
    assert!(events.iter().any(|e| matches!(e, StreamEvent::Token(_))));
    match events.last() {
        Some(StreamEvent::Done { usage: Some(u), .. }) => {
            assert!(u.prompt_tokens > 0 && u.completion_tokens > 0)
        }
        other => panic!("no usage at the end: {other:?}"),
    }

    let mut d = Decoder::default();
    let events: Vec<StreamEvent> = data_payloads(&fixture("xllamacpp/tools_prefill_stream.sse"))
        .iter()
        .flat_map(|p| d.feed(p))
        .map(|e| e.expect("event"))
        .collect();
    let call = events.iter().find_map(|e| match e {
        StreamEvent::ToolCall(c) => Some(c.clone()),
        _ => None,
    });
    let call = call.expect("a tool call assembled from the recorded deltas");
    assert_eq!(call.name, "search_job_description");
    assert!(!call.id.is_empty());

    let mut d = Decoder::default();
    let results: Vec<_> = data_payloads(&fixture("xllamacpp/stream_error.sse"))
        .iter()
        .flat_map(|p| d.feed(p))
        .collect();
    assert!(
        results
            .iter()
            .any(|r| matches!(r, Err(LlmError::Upstream { .. }))),
        "{results:?}"
    );
}

/// Serves the recorded Anthropic streams: the user's text picks the fixture.
async fn anthropic_double(
    State(seen): State<Arc<tokio::sync::Mutex<Vec<serde_json::Value>>>>,
    headers: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> Response {
    if headers.get("x-api-key").and_then(|v| v.to_str().ok()) != Some("test-key") {
        return (StatusCode::UNAUTHORIZED, Json(serde_json::json!({"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}))).into_response();
    }
    if headers
        .get("anthropic-version")
        .and_then(|v| v.to_str().ok())
        != Some("2023-06-01")
    {
        return StatusCode::BAD_REQUEST.into_response();
    }
    seen.lock().await.push(body.clone());
    let text = body["messages"][0]["content"][0]["text"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let file = match text.as_str() {
        "tool" => "anthropic/tool_use_stream.sse",
        "error" => "anthropic/error_stream.sse",
        _ => "anthropic/text_stream.sse",
    };
    ([("content-type", "text/event-stream")], fixture(file)).into_response()
}

#[tokio::test]
async fn anthropic_client_speaks_the_messages_wire_format() {
    let seen = Arc::new(tokio::sync::Mutex::new(Vec::new()));
    let app = Router::new()
        .route("/v1/messages", post(anthropic_double))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let model =
        Anthropic::new(&base, "claude-sonnet-4-5", SecretString::from("test-key")).expect("client");

    let events = collect(&model, &request("text")).await;
    let text: String = events
        .iter()
        .filter_map(|e| match e {
            Ok(StreamEvent::Token(t)) => Some(t.as_str()),
            _ => None,
        })
        .collect();
    assert!(!text.is_empty());
    match events.last() {
        Some(Ok(StreamEvent::Done {
            finish: FinishReason::Stop,
            usage: Some(u),
        })) => assert!(u.prompt_tokens > 0 && u.completion_tokens > 0),
        other => panic!("{other:?}"),
    }
    let body = seen.lock().await[0].clone();
    assert_eq!(
        body["system"], "You are a concise interviewer.",
        "system is a top-level field"
    );
    assert_eq!(body["messages"].as_array().map(Vec::len), Some(1));
    assert_eq!(body["stream"], true);

    let mut with_tools = request("tool");
    with_tools.tools = vec![ToolSpec {
        name: "search_job_description".into(),
        description: "search".into(),
        parameters: serde_json::json!({"type":"object"}),
    }];
    let events = collect(&model, &with_tools).await;
    let call = events
        .iter()
        .find_map(|e| match e {
            Ok(StreamEvent::ToolCall(c)) => Some(c.clone()),
            _ => None,
        })
        .expect("tool call");
    assert_eq!(call.name, "search_job_description");
    let args: serde_json::Value =
        serde_json::from_str(&call.arguments).expect("arguments assembled into valid JSON");
    assert!(args.is_object());
    assert!(matches!(
        events.last(),
        Some(Ok(StreamEvent::Done {
            finish: FinishReason::ToolCalls,
            ..
        }))
    ));
    assert_eq!(
        seen.lock().await[1]["tools"][0]["input_schema"]["type"],
        "object"
    );

    let events = collect(&model, &request("error")).await;
    assert!(
        matches!(
            events.last(),
            Some(Err(LlmError::Upstream { status: 529, .. }))
        ),
        "{:?}",
        events.last()
    );

    let bad_key =
        Anthropic::new(&base, "claude-sonnet-4-5", SecretString::from("wrong")).expect("client");
    let err = bad_key
        .stream(&request("text"))
        .await
        .err()
        .expect("refused");
    assert!(
        matches!(err, LlmError::Upstream { status: 401, ref message, .. } if message.contains("invalid x-api-key")),
        "{err:?}"
    );
}

async fn openai_client_streams_from_a_real_llama_cpp_server(backend: Backend) {
    let server = tokio::task::spawn_blocking(LlamaServer::start)
        .await
        .expect("server start");
    let model = OpenAiCompatible::new(&server.base, "smollm2", None).expect("client");

    // Straight from the client: tokens, then Done with the server's usage.
    let events = collect(&model, &request("Ask me one question about Rust.")).await;
    let tokens = events
        .iter()
        .filter(|e| matches!(e, Ok(StreamEvent::Token(_))))
        .count();
    assert!(tokens > 1, "the reply streams in pieces: {events:?}");
    match events.last() {
        Some(Ok(StreamEvent::Done { usage: Some(u), .. })) => {
            assert!(u.prompt_tokens > 10);
            assert!(
                u.completion_tokens > 0 && u.completion_tokens <= 24,
                "max_tokens honoured: {u:?}"
            );
        }
        other => panic!("expected Done with usage, got {other:?}"),
    }

    // Through the gateway: the first token arrives before the reply completes, and the trace
    // records the real usage.
    let t = fresh_db(backend).await;
    let limits = Limits {
        max_reply_tokens: 32,
        first_token_timeout: Duration::from_secs(60),
        call_timeout: Duration::from_secs(120),
    };
    let gw = TestGateway::new(&t.db)
        .model(Arc::new(model))
        .pricing(Pricing::FREE)
        .limits(limits)
        .build();
    let ctx = CallContext {
        step: "question".into(),
        ..Default::default()
    };
    let mut handle = gw
        .start(ctx, request("Name one database index type."))
        .await
        .expect("start");
    let mut pieces = 0;
    while let Some(event) = handle.events.recv().await {
        if let GatewayEvent::Token(_) = event {
            pieces += 1;
        }
    }
    let summary = handle.outcome.await.expect("task").expect("call");
    assert!(pieces > 1);
    let trace = call_trace(&gw, &summary.call_id).await;
    assert_eq!(trace.status, rehearse_llm::trace::CallStatus::Ok);
    assert_eq!(trace.call.provider, "openai");
    assert_eq!(trace.prompt_tokens as u64, summary.usage.prompt_tokens);
    assert!(trace.ttft_ms.unwrap_or(i64::MAX) <= trace.latency_ms.unwrap_or(0));

    // A model the server does not know is an upstream error, not a hang or a panic.
    let wrong = OpenAiCompatible::new(&server.base.replace("/v1", "/nope"), "smollm2", None)
        .expect("client");
    let err = wrong.stream(&request("Hi")).await.err().expect("refused");
    assert!(
        matches!(err, LlmError::Upstream { status: 404, .. }),
        "{err:?}"
    );
}
both_backends!(openai_client_streams_from_a_real_llama_cpp_server);
