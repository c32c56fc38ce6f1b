use crate::types::{ChatRequest, StreamEvent, ToolSpec};
use futures::stream::BoxStream;
use serde_json::{json, Value};
use std::time::{Duration, SystemTime};

/// A reply as it streams. Dropping the stream cancels the call, including the upstream HTTP
/// request.
pub type EventStream = BoxStream<'static, Result<StreamEvent, LlmError>>;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LlmError {
    /// The provider could not be reached or the connection broke.
    #[error("model provider unreachable: {0}")]
    Unavailable(String),
    /// The provider answered with an error (HTTP status or an error event). `retry_after` is
    /// what its `Retry-After` (or `retry-after-ms`) header asked for, when it sent one.
    #[error("model provider error ({status}): {message}")]
    Upstream {
        status: u16,
        message: String,
        retry_after: Option<Duration>,
    },
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

/// Where an HTTP provider sends its calls: one client (10 s connect timeout), the API root
/// without a trailing slash, and the model id. Shared so the vendors differ only in wire format.
pub(crate) struct HttpEndpoint {
    http: reqwest::Client,
    base_url: String,
    pub(crate) model: String,
}

impl HttpEndpoint {
    pub(crate) fn new(base_url: &str, model: &str) -> Result<Self, LlmError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| LlmError::Unavailable(e.to_string()))?;
        Ok(HttpEndpoint {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            model: model.to_owned(),
        })
    }

    /// A `POST` to `path` below the API root (`path` starts with `/`).
    pub(crate) fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.http.post(format!("{}{path}", self.base_url))
    }
}

/// The options both wire formats write alike: `temperature` when the request sets one, and
/// `tools` (each in the vendor's own shape, made by `tool`) when it offers any.
pub(crate) fn put_options(
    body: &mut Value,
    request: &ChatRequest,
    tool: impl Fn(&ToolSpec) -> Value,
) {
    if let Some(t) = request.temperature {
        body["temperature"] = json!(t);
    }
    if !request.tools.is_empty() {
        body["tools"] = Value::Array(request.tools.iter().map(tool).collect());
    }
}

/// Sends a provider's call: a connection failure is [`LlmError::Unavailable`], the answer goes
/// through [`sse_events`] to the vendor's decoder `feed`.
pub(crate) async fn send_sse(
    call: reqwest::RequestBuilder,
    feed: impl FnMut(&str) -> Vec<Result<StreamEvent, LlmError>> + Send + 'static,
) -> Result<EventStream, LlmError> {
    let response = call
        .send()
        .await
        .map_err(|e| LlmError::Unavailable(e.to_string()))?;
    sse_events(response, feed).await
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
        let retry_after = retry_after(response.headers());
        let text = response.text().await.unwrap_or_default();
        // OpenAI and Anthropic both put the reason at `error.message`.
        let message = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
            .unwrap_or_else(|| text.chars().take(300).collect());
        return Err(LlmError::Upstream {
            status: status.as_u16(),
            message,
            retry_after,
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

/// How long the provider asked us to wait: OpenAI's `retry-after-ms`, else the standard
/// `Retry-After` as seconds or an HTTP date. Unreadable values count as absent.
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(ms) = value("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        if let Ok(wait) = Duration::try_from_secs_f64(ms / 1000.0) {
            return Some(wait);
        }
    }
    let text = value("retry-after")?;
    if let Ok(secs) = text.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(text).ok()?;
    Some(
        at.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::retry_after;
    use reqwest::header::{HeaderMap, HeaderValue};
    use std::time::{Duration, SystemTime};

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).expect("header value"));
        }
        map
    }

    #[test]
    fn retry_after_in_seconds_milliseconds_or_a_date() {
        assert_eq!(
            retry_after(&headers(&[("retry-after", "3")])),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            retry_after(&headers(&[
                ("retry-after", "3"),
                ("retry-after-ms", "1500")
            ])),
            Some(Duration::from_millis(1500))
        );
        let soon = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(60));
        let wait = retry_after(&headers(&[("retry-after", soon.as_str())])).expect("a date");
        assert!(wait > Duration::from_secs(50) && wait <= Duration::from_secs(60));
        let past = httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(60));
        assert_eq!(
            retry_after(&headers(&[("retry-after", past.as_str())])),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")])), None);
        assert_eq!(retry_after(&headers(&[("retry-after-ms", "-5")])), None);
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }
}
