//! Embeddings behind one trait: all-MiniLM-L6-v2 run in-process with candle (the default, no
//! key, no network; in `rehearse-runtimes`), or any OpenAI-compatible `/embeddings` endpoint.

use crate::provider::LlmError;
use secrecy::{ExposeSecret, SecretString};

///
/// Callers outside `rehearse-llm` never hold one: the knowledge base and the report's scoring
/// call [`crate::gateway::Embeddings`], which charges and traces each call.
#[async_trait::async_trait]
pub trait Embedder: Send + Sync {
    /// Where the model runs (`local`, `openai`), for traces.
    fn provider(&self) -> &str;
    fn model(&self) -> &str;
    fn dimensions(&self) -> usize;
    /// One unit-length vector per text, in order.
    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, LlmError>;
    /// The vectors and the input tokens the provider reports it charged for (None when it
    /// reports none: the gateway then charges its estimate).
    async fn embed_counted(
        &self,
        texts: &[String],
    ) -> Result<(Vec<Vec<f32>>, Option<u64>), LlmError> {
        Ok((self.embed(texts).await?, None))
    }
}

fn unavailable(what: &str, e: impl std::fmt::Display) -> LlmError {
    LlmError::Unavailable(format!("{what}: {e}"))
}

/// Any OpenAI-compatible `POST {base}/embeddings`.
pub struct OpenAiEmbeddings {
    http: reqwest::Client,
    base_url: String,
    model: String,
    api_key: Option<SecretString>,
    dimensions: usize,
}

impl OpenAiEmbeddings {
    pub fn new(
        base_url: &str,
        model: &str,
        api_key: Option<SecretString>,
        dimensions: usize,
    ) -> Result<Self, LlmError> {
        let http = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(10))
            .timeout(std::time::Duration::from_secs(120))
            .build()
            .map_err(|e| unavailable("HTTP client", e))?;
        Ok(OpenAiEmbeddings {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            model: model.to_owned(),
            api_key,
            dimensions,
        })
    }
}

#[async_trait::async_trait]
impl Embedder for OpenAiEmbeddings {
    fn provider(&self) -> &str {
        "openai"
    }

    fn model(&self) -> &str {
        &self.model
    }

    fn dimensions(&self) -> usize {
        self.dimensions
    }

    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, LlmError> {
        Ok(self.embed_counted(texts).await?.0)
    }

    async fn embed_counted(
        &self,
        texts: &[String],
    ) -> Result<(Vec<Vec<f32>>, Option<u64>), LlmError> {
        let mut call = self
            .http
            .post(format!("{}/embeddings", self.base_url))
            .json(&serde_json::json!({ "model": self.model, "input": texts }));
        if let Some(key) = &self.api_key {
            call = call.bearer_auth(key.expose_secret());
        }
        let response = call
            .send()
            .await
            .map_err(|e| unavailable("embeddings endpoint", e))?;
        let status = response.status();
        let body: serde_json::Value = response
            .json()
            .await
            .map_err(|e| LlmError::Protocol(e.to_string()))?;
        if !status.is_success() {
            let message = body["error"]["message"]
                .as_str()
                .unwrap_or("embeddings request failed")
                .to_owned();
            return Err(LlmError::Upstream {
                status: status.as_u16(),
                message,
                retry_after: None,
            });
        }
        let mut rows: Vec<(u64, Vec<f32>)> = body["data"]
            .as_array()
            .ok_or_else(|| LlmError::Protocol("no data in the embeddings answer".into()))?
            .iter()
            .map(|row| {
                let index = row["index"].as_u64().unwrap_or(0);
                let vector = row["embedding"]
                    .as_array()
                    .map(|v| {
                        v.iter()
                            .filter_map(|x| x.as_f64())
                            .map(|x| x as f32)
                            .collect()
                    })
                    .unwrap_or_default();
                (index, vector)
            })
            .collect();
        rows.sort_by_key(|(i, _)| *i);
        if rows.len() != texts.len() {
            return Err(LlmError::Protocol(format!(
                "{} vectors for {} texts",
                rows.len(),
                texts.len()
            )));
        }
        let tokens = body["usage"]["prompt_tokens"].as_u64();
        Ok((
            rows.into_iter().map(|(_, v)| normalise(v)).collect(),
            tokens,
        ))
    }
}

fn normalise(mut v: Vec<f32>) -> Vec<f32> {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
    v
}

/// Cosine similarity of two unit vectors.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
