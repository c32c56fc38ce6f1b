//! What MiniLM costs on this machine, for the knowledge bench: the arithmetic an embedding pass
//! does, how fast it ran, and the same matrix kernels' speed on their own. Together they say how
//! far ingestion is from what the hardware allows: chunks per second can be no higher than the
//! kernels' FLOP/s over the FLOPs one chunk needs.

use crate::minilm::LocalMiniLm;
use rehearse_llm::LlmError;
use std::time::Instant;

/// MiniLM-L6-v2's shape: layers, hidden width, feed-forward width.
const LAYERS: f64 = 6.0;
const HIDDEN: f64 = 384.0;
const FEED_FORWARD: f64 = 1536.0;

/// Floating-point operations for one token of a sequence `len` tokens long: per layer, the
/// four attention projections (8·h²), the feed-forward pair (4·h·f), and the attention scores
/// and weighted sum (4·len·h). Embeddings, norms and pooling are a rounding error beside them.
pub fn flops_per_token(len: usize) -> f64 {
    LAYERS * (8.0 * HIDDEN * HIDDEN + 4.0 * HIDDEN * FEED_FORWARD + 4.0 * len as f64 * HIDDEN)
}

/// One timed embedding pass.
#[derive(Debug, Clone, Copy)]
pub struct EmbedProfile {
    pub texts: usize,
    /// Tokens of the texts themselves.
    pub tokens: usize,
    /// Tokens run through the model, padding included.
    pub padded_tokens: usize,
    /// Tokens a batch padded as a whole to its longest text would run (before length groups).
    pub padded_whole_batch: usize,
    /// FLOPs of the real tokens (padding is wasted work, not counted).
    pub flops: f64,
    pub seconds: f64,
}

impl EmbedProfile {
    pub fn gflops_per_s(&self) -> f64 {
        self.flops / self.seconds.max(1e-9) / 1e9
    }

    pub fn texts_per_s(&self) -> f64 {
        self.texts as f64 / self.seconds.max(1e-9)
    }
}

/// Embeds `texts` in batches of `batch` as ingestion does, and times it.
pub fn profile(
    model: &LocalMiniLm,
    texts: &[String],
    batch: usize,
) -> Result<EmbedProfile, LlmError> {
    let lengths = model.token_lengths(texts)?;
    let tokens = lengths.iter().sum();
    let flops = lengths
        .iter()
        .map(|l| *l as f64 * flops_per_token(*l))
        .sum();
    let padded_tokens = lengths
        .chunks(batch.max(1))
        .map(LocalMiniLm::padded_tokens)
        .sum();
    let padded_whole_batch = lengths
        .chunks(batch.max(1))
        .map(|b| b.len() * b.iter().max().copied().unwrap_or(0))
        .sum();
    let started = Instant::now();
    for group in texts.chunks(batch.max(1)) {
        model.embed_blocking(group)?;
    }
    Ok(EmbedProfile {
        texts: texts.len(),
        tokens,
        padded_tokens,
        padded_whole_batch,
        flops,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// GFLOP/s of candle's f32 matrix product at the shape of MiniLM's feed-forward layer (1,024
/// tokens by 384, times 384 by 1,536), on the threads candle uses: the kernels' own ceiling.
pub fn matmul_gflops() -> Result<f64, LlmError> {
    use candle_core::{Device, Tensor};
    let failed = |e: candle_core::Error| LlmError::Unavailable(format!("matmul: {e}"));
    let (m, k, n) = (1024usize, 384usize, 1536usize);
    let a = Tensor::randn(0f32, 1.0, (m, k), &Device::Cpu).map_err(failed)?;
    let b = Tensor::randn(0f32, 1.0, (k, n), &Device::Cpu).map_err(failed)?;
    a.matmul(&b).map_err(failed)?;
    let rounds = 40;
    let started = Instant::now();
    for _ in 0..rounds {
        a.matmul(&b).map_err(failed)?;
    }
    let seconds = started.elapsed().as_secs_f64();
    Ok(2.0 * (m * k * n) as f64 * rounds as f64 / seconds / 1e9)
}
