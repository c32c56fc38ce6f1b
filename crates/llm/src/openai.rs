//! OpenAI-compatible chat completions (OpenAI, Ollama, vLLM, llama.cpp server, LiteLLM...):
//! streaming over server-sent events, with tool calls assembled from their deltas.

use crate::provider::{put_options, send_sse, ChatModel, EventStream, HttpEndpoint, LlmError};
use crate::types::{
    ChatMessage, ChatRequest, FinishReason, MessageRole, StreamEvent, ToolCall, Usage,
};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub struct OpenAiCompatible {
    endpoint: HttpEndpoint,
    api_key: Option<SecretString>,
}

impl OpenAiCompatible {
    /// `base_url` is the API root, for example `http://127.0.0.1:8080/v1`.
    pub fn new(
        base_url: &str,
        model: &str,
        api_key: Option<SecretString>,
    ) -> Result<Self, LlmError> {
        Ok(OpenAiCompatible {
            endpoint: HttpEndpoint::new(base_url, model)?,
            api_key,
        })
    }

    fn body(&self, request: &ChatRequest) -> Value {
        let messages: Vec<Value> = request.messages.iter().map(wire_message).collect();
        let mut body = json!({
            "model": self.endpoint.model,
            "messages": messages,
            "max_tokens": request.max_tokens,
            "stream": true,
            "stream_options": { "include_usage": true },
        });
        put_options(
            &mut body,
            request,
            |t| json!({ "type": "function", "function": { "name": t.name, "description": t.description, "parameters": t.parameters } }),
        );
        if !request.tools.is_empty() {
            body["tool_choice"] = json!("auto");
        }
        body
    }
}

fn wire_message(m: &ChatMessage) -> Value {
    let role = match m.role {
        MessageRole::System => "system",
        MessageRole::User => "user",
        MessageRole::Assistant => "assistant",
        MessageRole::Tool => "tool",
    };
    let mut out = json!({ "role": role, "content": m.content });
    if !m.tool_calls.is_empty() {
        out["tool_calls"] = Value::Array(
            m.tool_calls
                .iter()
                .map(|c| json!({ "id": c.id, "type": "function", "function": { "name": c.name, "arguments": c.arguments } }))
                .collect(),
        );
    }
    if let Some(id) = &m.tool_call_id {
        out["tool_call_id"] = json!(id);
    }
    out
}

#[async_trait::async_trait]
impl ChatModel for OpenAiCompatible {
    fn provider(&self) -> &str {
        "openai"
    }

    fn model(&self) -> &str {
        &self.endpoint.model
    }

    async fn stream(&self, request: &ChatRequest) -> Result<EventStream, LlmError> {
        let mut call = self
            .endpoint
            .post("/chat/completions")
            .json(&self.body(request));
        if let Some(key) = &self.api_key {
            call = call.bearer_auth(key.expose_secret());
        }
        let mut decoder = Decoder::default();
        send_sse(call, move |data| decoder.feed(data)).await
    }
}

/// Turns `data:` payloads into events, holding partial tool calls until they are complete.
#[derive(Default)]
pub struct Decoder {
    tools: BTreeMap<u64, ToolCall>,
    finish: Option<FinishReason>,
    usage: Option<Usage>,
    done: bool,
}

impl Decoder {
    /// Feeds one SSE `data:` payload.
    pub fn feed(&mut self, data: &str) -> Vec<Result<StreamEvent, LlmError>> {
        if self.done {
            return Vec::new();
        }
        if data.trim() == "[DONE]" {
            return self.finish_now();
        }
        let chunk: Value = match serde_json::from_str(data) {
            Ok(v) => v,
            Err(e) => return vec![Err(LlmError::Protocol(format!("bad JSON chunk: {e}")))],
        };
        if let Some(message) = chunk["error"]["message"].as_str() {
            self.done = true;
            return vec![Err(LlmError::Upstream {
                status: 200,
                message: message.to_owned(),
                retry_after: None,
            })];
        }
        if let Some(usage) = chunk.get("usage").filter(|u| u.is_object()) {
            self.usage = Some(Usage {
                prompt_tokens: usage["prompt_tokens"].as_u64().unwrap_or(0),
                completion_tokens: usage["completion_tokens"].as_u64().unwrap_or(0),
            });
        }
        let mut out = Vec::new();
        let Some(choice) = chunk["choices"].get(0) else {
            return out;
        };
        if let Some(text) = choice["delta"]["content"].as_str() {
            if !text.is_empty() {
                out.push(Ok(StreamEvent::Token(text.to_owned())));
            }
        }
        if let Some(calls) = choice["delta"]["tool_calls"].as_array() {
            for (position, delta) in calls.iter().enumerate() {
                let index = delta["index"].as_u64().unwrap_or(position as u64);
                let entry = self.tools.entry(index).or_insert_with(|| ToolCall {
                    id: String::new(),
                    name: String::new(),
                    arguments: String::new(),
                });
                if let Some(id) = delta["id"].as_str() {
                    entry.id = id.to_owned();
                }
                if let Some(name) = delta["function"]["name"].as_str() {
                    entry.name.push_str(name);
                }
                if let Some(args) = delta["function"]["arguments"].as_str() {
                    entry.arguments.push_str(args);
                }
            }
        }
        if let Some(reason) = choice["finish_reason"].as_str() {
            self.finish = Some(match reason {
                "stop" => FinishReason::Stop,
                "length" => FinishReason::Length,
                "tool_calls" | "function_call" => FinishReason::ToolCalls,
                _ => FinishReason::Other,
            });
        }
        out
    }

    /// Ends the stream: completed tool calls, then `Done`.
    pub fn finish_now(&mut self) -> Vec<Result<StreamEvent, LlmError>> {
        if self.done {
            return Vec::new();
        }
        self.done = true;
        let mut out: Vec<Result<StreamEvent, LlmError>> = std::mem::take(&mut self.tools)
            .into_values()
            .enumerate()
            .map(|(i, mut call)| {
                if call.id.is_empty() {
                    call.id = format!("call_{i}");
                }
                Ok(StreamEvent::ToolCall(call))
            })
            .collect();
        let finish = self.finish.unwrap_or(FinishReason::Stop);
        out.push(Ok(StreamEvent::Done {
            finish,
            usage: self.usage,
        }));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(chunks: &[&str]) -> Vec<StreamEvent> {
        let mut d = Decoder::default();
        chunks
            .iter()
            .flat_map(|c| d.feed(c))
            .map(|e| e.expect("event"))
            .collect()
    }

    #[test]
    fn text_then_usage_then_done() {
        let got = events(&[
            r#"{"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"content":"Hel"}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":"stop"}]}"#,
            r#"{"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":2,"total_tokens":14}}"#,
            "[DONE]",
        ]);
        assert_eq!(
            got,
            vec![
                StreamEvent::Token("Hel".into()),
                StreamEvent::Token("lo".into()),
                StreamEvent::Done {
                    finish: FinishReason::Stop,
                    usage: Some(Usage {
                        prompt_tokens: 12,
                        completion_tokens: 2
                    })
                },
            ]
        );
    }

    #[test]
    fn tool_call_assembled_from_deltas() {
        let got = events(&[
            r#"{"choices":[{"delta":{"tool_calls":[{"index":0,"id":"c1","type":"function","function":{"name":"search_job_description","arguments":""}}]}}]}"#,
            r#"{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"query\":"}}]}}]}"#,
            r#"{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"salary\"}"}}]},"finish_reason":"tool_calls"}]}"#,
            "[DONE]",
        ]);
        assert_eq!(
            got,
            vec![
                StreamEvent::ToolCall(ToolCall {
                    id: "c1".into(),
                    name: "search_job_description".into(),
                    arguments: r#"{"query":"salary"}"#.into()
                }),
                StreamEvent::Done {
                    finish: FinishReason::ToolCalls,
                    usage: None
                },
            ]
        );
    }

    #[test]
    fn error_chunk_and_garbage_are_errors() {
        let mut d = Decoder::default();
        assert!(matches!(d.feed("not json")[0], Err(LlmError::Protocol(_))));
        let mut d = Decoder::default();
        assert!(matches!(
            d.feed(r#"{"error":{"message":"overloaded"}}"#)[0],
            Err(LlmError::Upstream { .. })
        ));
    }
}
