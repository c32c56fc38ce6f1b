//! all-MiniLM-L6-v2 run in-process: the default embedder, needing no key and no network, on
//! ONNX Runtime ([`onnx`], the default) or candle ([`candle`]). The two share the tokenizer, the
//! length groups and the pooling below, and compute the same vectors.

mod candle;
mod onnx;

use rehearse_llm::embed::Embedder;
use rehearse_llm::LlmError;
use std::path::Path;
use std::sync::Arc;

fn unavailable(what: &str, e: impl std::fmt::Display) -> LlmError {
    LlmError::Unavailable(format!("{what}: {e}"))
}

/// The width of a MiniLM-L6-v2 vector.
const DIMENSIONS: usize = 384;

/// all-MiniLM-L6-v2 (BERT, 384 dimensions) in-process: mean pooling over the attention mask,
/// then L2 normalisation, as sentence-transformers does. Texts truncate at 256 tokens. A batch is
/// run sorted by length, in groups each padded only to its own longest text: padding a whole
/// batch to its longest member (the shipped tokenizer would pad everything to 128) spends much of
/// a batch of chunks' compute on padding, since a heading and a long paragraph land together.
pub struct LocalMiniLm {
    inner: Arc<MiniLm>,
}

struct MiniLm {
    encoder: Box<dyn Encoder>,
    tokenizer: tokenizers::Tokenizer,
}

/// A runtime that runs the BERT encoder: token ids and attention mask in, the last hidden
/// state out. Everything either side of it (tokenizing, length groups, pooling) is shared.
trait Encoder: Send + Sync {
    /// The runtime's name (`onnx`, `candle`), as the `minilm_runtime` setting spells it.
    fn runtime(&self) -> &'static str;
    /// The last hidden state of a padded batch: `rows × width × 384`, row-major.
    fn hidden(&self, batch: Padded) -> Result<Vec<f32>, LlmError>;
}

/// Token sequences padded to one width, as an encoder takes them: `rows × width` token ids and
/// the attention mask (1 for a token, 0 for padding), row-major.
struct Padded {
    ids: Vec<u32>,
    mask: Vec<u32>,
    rows: usize,
    width: usize,
}

impl LocalMiniLm {
    /// On candle: loads `model.safetensors`, `config.json` and `tokenizer.json` from `dir`.
    pub fn load(dir: &Path) -> Result<LocalMiniLm, LlmError> {
        Self::with(dir, Box::new(candle::CandleBert::load(dir)?))
    }

    /// On ONNX Runtime: loads `model.onnx` and `tokenizer.json` from `dir`, and the runtime from
    /// the shared library `library` (the first library a process loads is the one it keeps).
    pub fn load_onnx(dir: &Path, library: &Path) -> Result<LocalMiniLm, LlmError> {
        Self::with(dir, Box::new(onnx::OnnxBert::load(dir, library)?))
    }

    /// The default runtime (ONNX Runtime) on the files `scripts/fetch-models.sh` unpacks under
    /// `models` (`minilm/` and `onnxruntime/libonnxruntime.so`): for tests and the bench.
    pub fn load_fetched(models: &Path) -> Result<LocalMiniLm, LlmError> {
        Self::load_onnx(
            &models.join("minilm"),
            &models.join("onnxruntime/libonnxruntime.so"),
        )
    }

    fn with(dir: &Path, encoder: Box<dyn Encoder>) -> Result<LocalMiniLm, LlmError> {
        let mut tokenizer = tokenizers::Tokenizer::from_file(dir.join("tokenizer.json"))
            .map_err(|e| unavailable("MiniLM tokenizer", e))?;
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(tokenizers::TruncationParams {
                max_length: 256,
                ..Default::default()
            }))
            .map_err(|e| unavailable("MiniLM tokenizer", e))?;
        Ok(LocalMiniLm {
            inner: Arc::new(MiniLm { encoder, tokenizer }),
        })
    }

    /// The runtime's name (`onnx`, `candle`), for the bench.
    pub fn runtime(&self) -> &'static str {
        self.inner.encoder.runtime()
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
        let rows = sequences.len();
        let hidden = self.encoder.hidden(Padded {
            ids,
            mask,
            rows,
            width,
        })?;
        if hidden.len() != rows * width * DIMENSIONS {
            return Err(unavailable(
                "MiniLM",
                format!(
                    "{} values where {rows}×{width}×{DIMENSIONS} were expected",
                    hidden.len()
                ),
            ));
        }
        Ok(sequences
            .iter()
            .zip(hidden.chunks(width * DIMENSIONS))
            .map(|(sequence, tokens)| mean_pooled(tokens, sequence.len()))
            .collect())
    }
}

/// The mean of a text's first `len` token vectors (its padding left out), scaled to unit length.
fn mean_pooled(tokens: &[f32], len: usize) -> Vec<f32> {
    let mut mean = vec![0f32; DIMENSIONS];
    for token in tokens.chunks(DIMENSIONS).take(len) {
        mean.iter_mut().zip(token).for_each(|(m, t)| *m += t);
    }
    let count = len.max(1) as f32;
    mean.iter_mut().for_each(|m| *m /= count);
    let norm = mean.iter().map(|m| m * m).sum::<f32>().sqrt().max(1e-12);
    mean.iter_mut().for_each(|m| *m /= norm);
    mean
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
        DIMENSIONS
    }

    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, LlmError> {
        let inner = self.inner.clone();
        let texts = texts.to_vec();
        tokio::task::spawn_blocking(move || inner.embed(&texts))
            .await
            .map_err(|e| unavailable("MiniLM worker", e))?
    }
}
