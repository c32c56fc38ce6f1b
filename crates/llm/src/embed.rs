//! Embeddings behind one trait: all-MiniLM-L6-v2 run in-process with candle (the default,
//! no key, no network), or any OpenAI-compatible `/embeddings` endpoint.

use crate::provider::LlmError;
use secrecy::{ExposeSecret, SecretString};
use std::path::Path;
use std::sync::Arc;

#[async_trait::async_trait]
pub trait Embedder: Send + Sync {
    fn model(&self) -> &str;
    fn dimensions(&self) -> usize;
    /// One unit-length vector per text, in order.
    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, LlmError>;
}

fn unavailable(what: &str, e: impl std::fmt::Display) -> LlmError {
    LlmError::Unavailable(format!("{what}: {e}"))
}

/// all-MiniLM-L6-v2 (BERT, 384 dimensions) in-process: mean pooling over the attention mask,
/// then L2 normalisation, as sentence-transformers does. Batches pad to their longest text (the
/// shipped tokenizer would pad everything to 128) and truncate at 256 tokens.
pub struct LocalMiniLm {
    inner: Arc<MiniLm>,
}

struct MiniLm {
    model: candle_transformers::models::bert::BertModel,
    tokenizer: tokenizers::Tokenizer,
    device: candle_core::Device,
}

impl LocalMiniLm {
    /// Loads `model.safetensors`, `config.json` and `tokenizer.json` from `dir`.
    pub fn load(dir: &Path) -> Result<LocalMiniLm, LlmError> {
        use candle_transformers::models::bert::{BertModel, Config, DTYPE};
        let device = candle_core::Device::Cpu;
        let config: Config = serde_json::from_str(
            &std::fs::read_to_string(dir.join("config.json"))
                .map_err(|e| unavailable("MiniLM config", e))?,
        )
        .map_err(|e| unavailable("MiniLM config", e))?;
        let mut tokenizer = tokenizers::Tokenizer::from_file(dir.join("tokenizer.json"))
            .map_err(|e| unavailable("MiniLM tokenizer", e))?;
        tokenizer.with_padding(Some(tokenizers::PaddingParams {
            strategy: tokenizers::PaddingStrategy::BatchLongest,
            ..Default::default()
        }));
        tokenizer
            .with_truncation(Some(tokenizers::TruncationParams {
                max_length: 256,
                ..Default::default()
            }))
            .map_err(|e| unavailable("MiniLM tokenizer", e))?;
        let weights = std::fs::read(dir.join("model.safetensors"))
            .map_err(|e| unavailable("MiniLM weights", e))?;
        let vb = candle_nn::VarBuilder::from_buffered_safetensors(weights, DTYPE, &device)
            .map_err(|e| unavailable("MiniLM weights", e))?;
        let model = BertModel::load(vb, &config).map_err(|e| unavailable("MiniLM model", e))?;
        Ok(LocalMiniLm {
            inner: Arc::new(MiniLm {
                model,
                tokenizer,
                device,
            }),
        })
    }
}

impl MiniLm {
    fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, LlmError> {
        use candle_core::{DType, Tensor};
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let failed = |e: candle_core::Error| unavailable("MiniLM", e);
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| unavailable("MiniLM tokenizer", e))?;
        let ids = encodings
            .iter()
            .map(|e| Tensor::new(e.get_ids(), &self.device))
            .collect::<Result<Vec<_>, _>>()
            .map_err(failed)?;
        let masks = encodings
            .iter()
            .map(|e| Tensor::new(e.get_attention_mask(), &self.device))
            .collect::<Result<Vec<_>, _>>()
            .map_err(failed)?;
        let ids = Tensor::stack(&ids, 0).map_err(failed)?;
        let mask = Tensor::stack(&masks, 0).map_err(failed)?;
        let types = ids.zeros_like().map_err(failed)?;
        let hidden = self
            .model
            .forward(&ids, &types, Some(&mask))
            .map_err(failed)?;
        let mask = mask
            .to_dtype(DType::F32)
            .and_then(|m| m.unsqueeze(2))
            .map_err(failed)?;
        let summed = hidden
            .broadcast_mul(&mask)
            .and_then(|h| h.sum(1))
            .map_err(failed)?;
        let counts = mask.sum(1).map_err(failed)?;
        let mean = summed.broadcast_div(&counts).map_err(failed)?;
        let norm = mean
            .sqr()
            .and_then(|m| m.sum_keepdim(1))
            .and_then(|m| m.sqrt())
            .map_err(failed)?;
        mean.broadcast_div(&norm)
            .and_then(|m| m.to_vec2::<f32>())
            .map_err(failed)
    }
}

#[async_trait::async_trait]
impl Embedder for LocalMiniLm {
    fn model(&self) -> &str {
        "all-MiniLM-L6-v2"
    }

    fn dimensions(&self) -> usize {
        384
    }

    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, LlmError> {
        let inner = self.inner.clone();
        let texts = texts.to_vec();
        tokio::task::spawn_blocking(move || inner.embed(&texts))
            .await
            .map_err(|e| unavailable("MiniLM worker", e))?
    }
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
    fn model(&self) -> &str {
        &self.model
    }

    fn dimensions(&self) -> usize {
        self.dimensions
    }

    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, LlmError> {
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
        Ok(rows.into_iter().map(|(_, v)| normalise(v)).collect())
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
