//! Anthropic Messages API with streaming: `system` is a top-level field, tool calls are
//! `tool_use` content blocks whose input arrives as JSON fragments, and usage comes split
//! between `message_start` (input) and `message_delta` (output).

use crate::provider::{put_options, send_sse, ChatModel, EventStream, HttpEndpoint, LlmError};
use crate::types::{ChatRequest, FinishReason, MessageRole, StreamEvent, ToolCall, Usage};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use std::collections::BTreeMap;

const API_VERSION: &str = "2023-06-01";

pub struct Anthropic {
    endpoint: HttpEndpoint,
    api_key: SecretString,
}

impl Anthropic {
    /// `base_url` is the API root without `/v1`, for example `https://api.anthropic.com`.
    pub fn new(base_url: &str, model: &str, api_key: SecretString) -> Result<Self, LlmError> {
        Ok(Anthropic {
            endpoint: HttpEndpoint::new(base_url, model)?,
            api_key,
        })
    }

    pub fn body(&self, request: &ChatRequest) -> Value {
        let system: Vec<&str> = request
            .messages
            .iter()
            .filter(|m| m.role == MessageRole::System)
            .map(|m| m.content.as_str())
            .collect();
        let mut messages: Vec<Value> = Vec::new();
        for m in request
            .messages
            .iter()
            .filter(|m| m.role != MessageRole::System)
        {
            let (role, content) = match m.role {
                MessageRole::User => ("user", json!([{ "type": "text", "text": m.content }])),
                MessageRole::Assistant => {
                    let mut blocks = Vec::new();
                    if !m.content.is_empty() {
                        blocks.push(json!({ "type": "text", "text": m.content }));
                    }
                    for call in &m.tool_calls {
                        let input: Value =
                            serde_json::from_str(&call.arguments).unwrap_or_else(|_| json!({}));
                        blocks.push(json!({ "type": "tool_use", "id": call.id, "name": call.name, "input": input }));
                    }
                    ("assistant", Value::Array(blocks))
                }
                MessageRole::Tool => (
                    "user",
                    json!([{ "type": "tool_result", "tool_use_id": m.tool_call_id.clone().unwrap_or_default(), "content": m.content }]),
                ),
                MessageRole::System => continue,
            };
            messages.push(json!({ "role": role, "content": content }));
        }
        let mut body = json!({
            "model": self.endpoint.model,
            "max_tokens": request.max_tokens,
            "messages": messages,
            "stream": true,
        });
        if !system.is_empty() {
            body["system"] = json!(system.join("\n\n"));
        }
        put_options(
            &mut body,
            request,
            |t| json!({ "name": t.name, "description": t.description, "input_schema": t.parameters }),
        );
        body
    }
}

#[async_trait::async_trait]
impl ChatModel for Anthropic {
    fn provider(&self) -> &str {
        "anthropic"
    }

    fn model(&self) -> &str {
        &self.endpoint.model
    }

    async fn stream(&self, request: &ChatRequest) -> Result<EventStream, LlmError> {
        let call = self
            .endpoint
            .post("/v1/messages")
            .header("x-api-key", self.api_key.expose_secret())
            .header("anthropic-version", API_VERSION)
            .json(&self.body(request));
        let mut decoder = Decoder::default();
        send_sse(call, move |data| decoder.feed(data)).await
    }
}

/// Turns Anthropic stream events (their `data:` JSON) into [`StreamEvent`]s.
#[derive(Default)]
pub struct Decoder {
    tools: BTreeMap<u64, ToolCall>,
    usage: Usage,
    finish: Option<FinishReason>,
    done: bool,
}

impl Decoder {
    pub fn feed(&mut self, data: &str) -> Vec<Result<StreamEvent, LlmError>> {
        if self.done {
            return Vec::new();
        }
        let event: Value = match serde_json::from_str(data) {
            Ok(v) => v,
            Err(e) => return vec![Err(LlmError::Protocol(format!("bad JSON event: {e}")))],
        };
        match event["type"].as_str().unwrap_or_default() {
            "message_start" => {
                let usage = &event["message"]["usage"];
                self.usage.prompt_tokens = usage["input_tokens"].as_u64().unwrap_or(0);
                self.usage.completion_tokens = usage["output_tokens"].as_u64().unwrap_or(0);
                Vec::new()
            }
            "content_block_start" => {
                let block = &event["content_block"];
                if block["type"] == "tool_use" {
                    let index = event["index"].as_u64().unwrap_or(0);
                    self.tools.insert(
                        index,
                        ToolCall {
                            id: block["id"].as_str().unwrap_or_default().to_owned(),
                            name: block["name"].as_str().unwrap_or_default().to_owned(),
                            arguments: String::new(),
                        },
                    );
                }
                Vec::new()
            }
            "content_block_delta" => {
                let delta = &event["delta"];
                match delta["type"].as_str().unwrap_or_default() {
                    "text_delta" => match delta["text"].as_str() {
                        Some(text) if !text.is_empty() => {
                            vec![Ok(StreamEvent::Token(text.to_owned()))]
                        }
                        _ => Vec::new(),
                    },
                    "input_json_delta" => {
                        let index = event["index"].as_u64().unwrap_or(0);
                        if let (Some(call), Some(part)) =
                            (self.tools.get_mut(&index), delta["partial_json"].as_str())
                        {
                            call.arguments.push_str(part);
                        }
                        Vec::new()
                    }
                    _ => Vec::new(),
                }
            }
            "content_block_stop" => {
                let index = event["index"].as_u64().unwrap_or(0);
                match self.tools.remove(&index) {
                    Some(mut call) => {
                        if call.arguments.is_empty() {
                            call.arguments = "{}".into();
                        }
                        vec![Ok(StreamEvent::ToolCall(call))]
                    }
                    None => Vec::new(),
                }
            }
            "message_delta" => {
                if let Some(out) = event["usage"]["output_tokens"].as_u64() {
                    self.usage.completion_tokens = out;
                }
                if let Some(reason) = event["delta"]["stop_reason"].as_str() {
                    self.finish = Some(match reason {
                        "end_turn" | "stop_sequence" => FinishReason::Stop,
                        "max_tokens" => FinishReason::Length,
                        "tool_use" => FinishReason::ToolCalls,
                        _ => FinishReason::Other,
                    });
                }
                Vec::new()
            }
            "message_stop" => {
                self.done = true;
                vec![Ok(StreamEvent::Done {
                    finish: self.finish.unwrap_or(FinishReason::Stop),
                    usage: Some(self.usage),
                })]
            }
            "error" => {
                self.done = true;
                let kind = event["error"]["type"].as_str().unwrap_or("error");
                let message = event["error"]["message"].as_str().unwrap_or_default();
                let status = if kind == "overloaded_error" { 529 } else { 500 };
                vec![Err(LlmError::Upstream {
                    status,
                    message: format!("{kind}: {message}"),
                    retry_after: None,
                })]
            }
            _ => Vec::new(),
        }
    }
}
