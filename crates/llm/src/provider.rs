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
