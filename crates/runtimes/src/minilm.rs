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
/// then L2 normalisation, as sentence-transformers does. Texts truncate at 256 tokens. A batch is
/// run sorted by length, in groups each padded only to its own longest text: padding a whole
/// batch to its longest member (the shipped tokenizer would pad everything to 128) spends much of
/// a batch of chunks' compute on padding, since a heading and a long paragraph land together.
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
        tokenizer.with_padding(None);
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

/// Texts in one forward pass at most: large enough to keep the matrix kernels busy, small
/// enough that a group of similar lengths pads little.
const GROUP: usize = 16;

impl LocalMiniLm {
    /// Each text's length in tokens, as the model reads it (truncated at 256).
    pub fn token_lengths(&self, texts: &[String]) -> Result<Vec<usize>, LlmError> {
        Ok(self
            .inner
            .encode(texts)?
            .iter()
            .map(|e| e.get_ids().len())
            .collect())
    }

    /// Tokens the model runs for one batch of these lengths, padding included.
    pub fn padded_tokens(lengths: &[usize]) -> usize {
        let mut sorted = lengths.to_vec();
        sorted.sort_unstable();
        sorted
            .chunks(GROUP)
            .map(|g| g.len() * g.last().copied().unwrap_or(0))
            .sum()
    }

    /// [`Embedder::embed`] on the calling thread, for the bench's timings.
    pub fn embed_blocking(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, LlmError> {
        self.inner.embed(texts)
    }
}

impl MiniLm {
    fn encode(&self, texts: &[String]) -> Result<Vec<tokenizers::Encoding>, LlmError> {
        self.tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| unavailable("MiniLM tokenizer", e))
    }

    fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, LlmError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let encodings = self.encode(texts)?;
        let mut order: Vec<usize> = (0..encodings.len()).collect();
        order.sort_by_key(|i| encodings[*i].get_ids().len());
        let mut out = vec![Vec::new(); encodings.len()];
        for group in order.chunks(GROUP) {
            let ids: Vec<&[u32]> = group.iter().map(|i| encodings[*i].get_ids()).collect();
            for (i, vector) in group.iter().zip(self.forward(&ids)?) {
                out[*i] = vector;
            }
        }
        Ok(out)
    }

    /// One forward pass over token sequences, each padded to the longest of them.
    fn forward(&self, sequences: &[&[u32]]) -> Result<Vec<Vec<f32>>, LlmError> {
        use candle_core::{DType, Tensor};
        let failed = |e: candle_core::Error| unavailable("MiniLM", e);
        let width = sequences.iter().map(|s| s.len()).max().unwrap_or(0).max(1);
        let mut ids = Vec::with_capacity(sequences.len() * width);
        let mut mask = Vec::with_capacity(sequences.len() * width);
        for sequence in sequences {
            let padding = width - sequence.len();
            ids.extend_from_slice(sequence);
            // BERT's [PAD] is token 0; the mask keeps it out of attention and pooling.
            ids.extend(std::iter::repeat_n(0u32, padding));
            mask.extend(std::iter::repeat_n(1u32, sequence.len()));
            mask.extend(std::iter::repeat_n(0u32, padding));
        }
        let shape = (sequences.len(), width);
        let ids = Tensor::from_vec(ids, shape, &self.device).map_err(failed)?;
        let mask = Tensor::from_vec(mask, shape, &self.device).map_err(failed)?;
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
