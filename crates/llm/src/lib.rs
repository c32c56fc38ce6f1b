//! Language models as backend infrastructure.
//!
//! - [`provider`]: the [`ChatModel`] trait every vendor implements. Implementations only
//!   translate to and from a wire format ([`openai`], [`anthropic`]) or play a script
//!   ([`scripted`], the test double); they never build prompts or enforce policy.
//! - [`gateway`]: the single choke point every model call passes. It checks the cost ceilings
//!   before the call (with an estimate) and charges after (with actual usage), caps reply
//!   tokens, applies the first-token and total timeouts, refuses tool calls outside the caller's
//!   allow-list, streams through a bounded channel, and records a trace of every call,
//!   including failed, refused and cancelled ones.
//! - [`resilience`]: what the gateway does with failing providers: retries before the first
//!   token (backoff with jitter, `Retry-After`), a circuit breaker per provider, and a fallback
//!   chain by configuration; [`lazy`] loads a fallback model on its first call.
//! - The models that run in-process (llama.cpp, MiniLM) are in `rehearse-runtimes`.
//! - [`agent`]: one turn of tool use with an iteration limit and a turn deadline.
//! - [`budget`] and [`trace`]: the ledger and trace tables behind the gateway.
//! - [`testing`]: the gateway every crate's tests build, with their shared prices, limits and
//!   ceilings (beside [`scripted`], the model double).

pub mod admission;
pub mod agent;
pub mod anthropic;
pub mod budget;
pub mod embed;
pub mod gateway;
pub mod lazy;
pub mod openai;
pub mod pricing;
pub mod provider;
pub mod resilience;
pub mod scripted;
pub mod testing;
pub mod trace;
mod types;

pub use provider::{ChatModel, EventStream, LlmError};
pub use types::{
    ChatMessage, ChatRequest, FinishReason, MessageRole, StreamEvent, ToolCall, ToolSpec, Usage,
};
