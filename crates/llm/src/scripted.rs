//! A scripted test double: each call plays the next script (tokens, tool calls, a delay, or an
//! error). It exists to test orchestration and failure handling deterministically; it is never
//! offered as a provider in configuration.

use crate::provider::{ChatModel, EventStream, LlmError};
use crate::types::{ChatRequest, FinishReason, StreamEvent, ToolCall, Usage};
use futures::StreamExt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone)]
pub enum Step {
    Token(String),
    Tool {
        name: String,
        arguments: String,
    },
    /// Waits this long before the next step (for timeout tests).
    Pause(Duration),
    /// Waits until the test opens the gate: a reply held halfway for as long as a test needs,
    /// without guessing a duration.
    Hold(Gate),
    Fail(LlmError),
}

/// A gate a scripted reply can wait at ([`Step::Hold`]); every clone is the same gate.
#[derive(Debug, Clone)]
pub struct Gate(Arc<tokio::sync::watch::Sender<bool>>);

impl Default for Gate {
    fn default() -> Self {
        Gate(Arc::new(tokio::sync::watch::channel(false).0))
    }
}

impl Gate {
    pub fn new() -> Gate {
        Gate::default()
    }

    /// Lets every reply waiting here, and every later one, go on.
    pub fn open(&self) {
        self.0.send_replace(true);
    }

    async fn passed(&self) {
        let mut open = self.0.subscribe();
        let _ = open.wait_for(|o| *o).await;
    }
}

/// One reply: its steps, then `Done` with this usage (None: the provider reports no usage).
#[derive(Debug, Clone, Default)]
pub struct Script {
    pub steps: Vec<Step>,
    pub usage: Option<Usage>,
}

impl Script {
    pub fn text(text: &str) -> Script {
        Script {
            steps: text
                .split_inclusive(' ')
                .map(|t| Step::Token(t.to_owned()))
                .collect(),
            usage: None,
        }
    }
    pub fn tool(name: &str, arguments: &str) -> Script {
        Script {
            steps: vec![Step::Tool {
                name: name.into(),
                arguments: arguments.into(),
            }],
            usage: None,
        }
    }
    pub fn with_usage(mut self, prompt_tokens: u64, completion_tokens: u64) -> Script {
        self.usage = Some(Usage {
            prompt_tokens,
            completion_tokens,
        });
        self
    }
}

/// Plays scripts in order; when they run out, repeats the last one (a model that "keeps
/// calling tools" is one script repeated forever).
#[derive(Clone)]
pub struct ScriptedModel {
    scripts: Arc<Mutex<Vec<Script>>>,
    calls: Arc<AtomicUsize>,
    requests: Arc<Mutex<Vec<ChatRequest>>>,
}

impl ScriptedModel {
    pub fn new(scripts: Vec<Script>) -> Self {
        ScriptedModel {
            scripts: Arc::new(Mutex::new(scripts)),
            calls: Arc::new(AtomicUsize::new(0)),
            requests: Arc::default(),
        }
    }

    /// Replaces the scripts still to play (for a test that learns what to say only after the
    /// model was handed over, such as the system prompt's canary).
    pub fn replace(&self, scripts: Vec<Script>) {
        if let Ok(mut s) = self.scripts.lock() {
            let played = self.calls.load(Ordering::SeqCst);
            s.truncate(played);
            s.extend(scripts);
        }
    }

    /// How many calls reached the model.
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// Every request the model received, in order.
    pub fn requests(&self) -> Vec<ChatRequest> {
        self.requests.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

#[async_trait::async_trait]
impl ChatModel for ScriptedModel {
    fn provider(&self) -> &str {
        "scripted"
    }

    fn model(&self) -> &str {
        "scripted-test-double"
    }

    async fn stream(&self, request: &ChatRequest) -> Result<EventStream, LlmError> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut r) = self.requests.lock() {
            r.push(request.clone());
        }
        let script = {
            let scripts = self
                .scripts
                .lock()
                .map_err(|_| LlmError::Unavailable("script lock".into()))?;
            scripts
                .get(n)
                .or_else(|| scripts.last())
                .cloned()
                .unwrap_or_default()
        };
        let has_tool = script.steps.iter().any(|s| matches!(s, Step::Tool { .. }));
        let usage = script.usage;
        let stream = futures::stream::iter(script.steps.into_iter().enumerate()).then(
            |(i, step)| async move {
                match step {
                    Step::Token(t) => Some(Ok(StreamEvent::Token(t))),
                    Step::Tool { name, arguments } => Some(Ok(StreamEvent::ToolCall(ToolCall {
                        id: format!("call_{i}"),
                        name,
                        arguments,
                    }))),
                    Step::Pause(d) => {
                        tokio::time::sleep(d).await;
                        None
                    }
                    Step::Hold(gate) => {
                        gate.passed().await;
                        None
                    }
                    Step::Fail(e) => Some(Err(e)),
                }
            },
        );
        let finish = if has_tool {
            FinishReason::ToolCalls
        } else {
            FinishReason::Stop
        };
        let done =
            futures::stream::once(async move { Some(Ok(StreamEvent::Done { finish, usage })) });
        Ok(stream.chain(done).filter_map(|e| async move { e }).boxed())
    }
}
