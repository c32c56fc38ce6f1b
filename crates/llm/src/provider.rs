use crate::types::{ChatRequest, StreamEvent};
use futures::stream::BoxStream;

/// A reply as it streams. Dropping the stream cancels the call, including the upstream HTTP
/// request.
pub type EventStream = BoxStream<'static, Result<StreamEvent, LlmError>>;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LlmError {
    /// The provider could not be reached or the connection broke.
    #[error("model provider unreachable: {0}")]
    Unavailable(String),
    /// The provider answered with an error (HTTP status or an error event).
    #[error("model provider error ({status}): {message}")]
    Upstream { status: u16, message: String },
    /// The provider's answer did not follow its own wire format.
    #[error("model provider sent an unreadable reply: {0}")]
    Protocol(String),
}

/// A chat model that streams. Implementations translate a [`ChatRequest`] into one vendor's
/// wire format and the vendor's stream back into [`StreamEvent`]s; nothing else.
#[async_trait::async_trait]
pub trait ChatModel: Send + Sync {
    /// Provider name for traces ("openai", "anthropic", "scripted", ...).
    fn provider(&self) -> &str;
    /// Model id for traces.
    fn model(&self) -> &str;
    /// Starts a call. Errors before the first byte come back here; later ones inside the stream.
    async fn stream(&self, request: &ChatRequest) -> Result<EventStream, LlmError>;
}

/// The shared tail of every HTTP provider: a non-success status becomes [`LlmError::Upstream`]
/// with the vendor's own error message, and a success body of server-sent events is fed, event
/// by event, to `feed` (the vendor's decoder).
pub(crate) async fn sse_events(
    response: reqwest::Response,
    mut feed: impl FnMut(&str) -> Vec<Result<StreamEvent, LlmError>> + Send + 'static,
) -> Result<EventStream, LlmError> {
    use eventsource_stream::Eventsource;
    use futures::StreamExt;
    let status = response.status();
    if !status.is_success() {
        let text = response.text().await.unwrap_or_default();
        // OpenAI and Anthropic both put the reason at `error.message`.
        let message = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
            .unwrap_or_else(|| text.chars().take(300).collect());
        return Err(LlmError::Upstream {
            status: status.as_u16(),
            message,
        });
    }
    let events = response
        .bytes_stream()
        .eventsource()
        .flat_map(move |event| {
            let out = match event {
                Ok(event) => feed(&event.data),
                Err(e) => vec![Err(LlmError::Unavailable(e.to_string()))],
            };
            futures::stream::iter(out)
        });
    Ok(events.boxed())
}
