//! all-MiniLM-L6-v2 run in-process with candle: the default embedder, needing no key and no
//! network.

use rehearse_llm::embed::Embedder;
use rehearse_llm::LlmError;
use std::path::Path;
use std::sync::Arc;

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
    fn provider(&self) -> &str {
        "local"
    }

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
