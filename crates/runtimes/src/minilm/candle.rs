//! MiniLM on candle: pure Rust, no shared library, and the reference the ONNX runtime is held to.

use super::{unavailable, Encoder, Padded};
use rehearse_llm::LlmError;
use std::path::Path;

/// The BERT encoder, loaded from `model.safetensors` and `config.json`.
pub(super) struct CandleBert {
    model: candle_transformers::models::bert::BertModel,
    device: candle_core::Device,
}

impl CandleBert {
    pub(super) fn load(dir: &Path) -> Result<CandleBert, LlmError> {
        use candle_transformers::models::bert::{BertModel, Config, DTYPE};
        let device = candle_core::Device::Cpu;
        let config: Config = serde_json::from_str(
            &std::fs::read_to_string(dir.join("config.json"))
                .map_err(|e| unavailable("MiniLM config", e))?,
        )
        .map_err(|e| unavailable("MiniLM config", e))?;
        let weights = std::fs::read(dir.join("model.safetensors"))
            .map_err(|e| unavailable("MiniLM weights", e))?;
        let vb = candle_nn::VarBuilder::from_buffered_safetensors(weights, DTYPE, &device)
            .map_err(|e| unavailable("MiniLM weights", e))?;
        let model = BertModel::load(vb, &config).map_err(|e| unavailable("MiniLM model", e))?;
        Ok(CandleBert { model, device })
    }
}

impl Encoder for CandleBert {
    fn runtime(&self) -> &'static str {
        "candle"
    }

    fn hidden(&self, batch: Padded) -> Result<Vec<f32>, LlmError> {
        use candle_core::Tensor;
        let failed = |e: candle_core::Error| unavailable("MiniLM", e);
        let shape = (batch.rows, batch.width);
        let ids = Tensor::from_vec(batch.ids, shape, &self.device).map_err(failed)?;
        let mask = Tensor::from_vec(batch.mask, shape, &self.device).map_err(failed)?;
        let types = ids.zeros_like().map_err(failed)?;
        self.model
            .forward(&ids, &types, Some(&mask))
            .and_then(|h| h.flatten_all())
            .and_then(|h| h.to_vec1::<f32>())
            .map_err(failed)
    }
}
