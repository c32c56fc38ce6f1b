use secrecy::SecretString;
use serde::Deserialize;
use std::path::PathBuf;

/// Which implementation computes embeddings for job-description chunks and questions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum EmbeddingsProvider {
    /// all-MiniLM-L6-v2 in-process (default): no key, no network.
    #[default]
    Local,
    /// An OpenAI-compatible `/v1/embeddings` endpoint.
    Openai,
}

/// Which runtime runs the local MiniLM. Both compute the same vectors (the ONNX graph carries the
/// same safetensors weights; a test holds them together), so switching needs no re-embedding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum MiniLmRuntime {
    /// ONNX Runtime, loaded from the shared library `scripts/fetch-models.sh` unpacks (default):
    /// about three times candle's speed on this project's CPU.
    #[default]
    Onnx,
    /// candle, pure Rust: needs no shared library (for platforms the library is not fetched for).
    Candle,
}

impl MiniLmRuntime {
    /// Its name as the setting spells it (and as the runtime reports itself to the bench).
    pub fn as_str(self) -> &'static str {
        match self {
            MiniLmRuntime::Onnx => "onnx",
            MiniLmRuntime::Candle => "candle",
        }
    }
}

/// Who writes answers about the role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum AnswerMode {
    /// Quoted from the passing chunks, with no model call (default; right for the local model).
    #[default]
    Extractive,
    /// Written by the model from the passages its one tool (a search of the pinned version)
    /// returns, cited and grounding-checked. Needs `REHEARSE_LLM__CAPABLE=true`.
    Generative,
}

/// The job-description knowledge base (`REHEARSE_KNOWLEDGE__*`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnowledgeSettings {
    /// A remote SurrealDB (`ws://host:8000`); unset: embedded SurrealKV under the data directory.
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<SecretString>,
    /// The largest job description accepted (pasted or uploaded), in bytes.
    #[serde(default = "max_upload_bytes")]
    pub max_upload_bytes: usize,
    #[serde(default)]
    pub embeddings: EmbeddingsProvider,
    /// The local MiniLM directory (default `<data_dir>/models/minilm`).
    #[serde(default)]
    pub minilm_dir: Option<PathBuf>,
    /// The runtime that runs it (`onnx` or `candle`).
    #[serde(default)]
    pub minilm_runtime: MiniLmRuntime,
    /// ONNX Runtime's shared library (default `onnxruntime/libonnxruntime.so` beside the MiniLM
    /// directory: `<data_dir>/models/onnxruntime/libonnxruntime.so`).
    #[serde(default)]
    pub onnxruntime_library: Option<PathBuf>,
    /// For `embeddings = "openai"`: base URL (`.../v1`), model, key and vector size.
    #[serde(default)]
    pub embeddings_base_url: Option<String>,
    #[serde(default)]
    pub embeddings_model: Option<String>,
    #[serde(default)]
    pub embeddings_api_key: Option<SecretString>,
    #[serde(default)]
    pub embeddings_dimensions: Option<usize>,
    /// The embeddings endpoint's price in USD per million input tokens (default 0: the local
    /// model is free). Every embedding call is charged this against the cost ceilings.
    #[serde(default)]
    pub embeddings_usd_per_mtok: f64,
    /// Minimum reranker score for a chunk to be cited (0-1).
    #[serde(default = "min_relevance")]
    pub min_relevance: f64,
    /// Minimum cosine similarity for a chunk to be cited (0-1).
    #[serde(default = "min_cosine")]
    pub min_cosine: f32,
    /// Who writes answers about the role (`extractive` or `generative`).
    #[serde(default)]
    pub answers: AnswerMode,
}

fn max_upload_bytes() -> usize {
    256 * 1024
}
fn min_relevance() -> f64 {
    0.2
}
fn min_cosine() -> f32 {
    0.12
}

impl Default for KnowledgeSettings {
    fn default() -> Self {
        KnowledgeSettings {
            url: None,
            username: None,
            password: None,
            max_upload_bytes: max_upload_bytes(),
            embeddings: EmbeddingsProvider::Local,
            minilm_dir: None,
            minilm_runtime: MiniLmRuntime::Onnx,
            onnxruntime_library: None,
            embeddings_base_url: None,
            embeddings_model: None,
            embeddings_api_key: None,
            embeddings_dimensions: None,
            embeddings_usd_per_mtok: 0.0,
            min_relevance: min_relevance(),
            min_cosine: min_cosine(),
            answers: AnswerMode::Extractive,
        }
    }
}

impl KnowledgeSettings {
    /// The first invalid field and why, if any.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        if self.max_upload_bytes < 1024 || self.max_upload_bytes > 16 * 1024 * 1024 {
            return Err((
                "max_upload_bytes",
                "must be between 1024 and 16777216".into(),
            ));
        }
        if !(0.0..=1.0).contains(&self.min_relevance) {
            return Err(("min_relevance", "must be between 0 and 1".into()));
        }
        if !self.embeddings_usd_per_mtok.is_finite() || self.embeddings_usd_per_mtok < 0.0 {
            return Err((
                "embeddings_usd_per_mtok",
                "must be a price of 0 or more".into(),
            ));
        }
        if !(0.0..=1.0).contains(&self.min_cosine) {
            return Err(("min_cosine", "must be between 0 and 1".into()));
        }
        if let Some(url) = &self.url {
            if !(url.starts_with("ws://") || url.starts_with("wss://")) {
                return Err((
                    "url",
                    "must be a ws:// or wss:// address of a SurrealDB server".into(),
                ));
            }
        }
        if self.embeddings == EmbeddingsProvider::Openai
            && (self.embeddings_base_url.is_none()
                || self.embeddings_model.is_none()
                || self.embeddings_dimensions.is_none())
        {
            return Err(("embeddings", "openai embeddings need embeddings_base_url, embeddings_model and embeddings_dimensions".into()));
        }
        Ok(())
    }
}
