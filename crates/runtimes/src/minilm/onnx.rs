//! MiniLM on ONNX Runtime, loaded at run time from the shared library `scripts/fetch-models.sh`
//! unpacks from the onnxruntime wheel (nothing is downloaded or linked at build time). Its
//! kernels run this model about three times as fast as candle's on this project's CPU (README,
//! "Knowledge-base benchmark"). The graph, `model.onnx`, is built by `scripts/minilm-onnx.py`
//! from the same `model.safetensors` candle loads, so the two runtimes give the same vectors; it
//! is written in ONNX Runtime's fused operators (`com.microsoft`: one attention kernel a layer),
//! which only ONNX Runtime runs.

use super::{unavailable, Encoder, Padded};
use ort::environment::Environment;
use ort::session::Session;
use ort::value::Tensor;
use rehearse_llm::LlmError;
use std::path::Path;
use std::sync::{Mutex, OnceLock};

/// ONNX Runtime allows one environment a process, and its library is loaded once: the first
/// library asked for is the one every session uses.
static ENVIRONMENT: OnceLock<Result<Environment, String>> = OnceLock::new();

fn environment(library: &Path) -> Result<&'static Environment, LlmError> {
    // Checked before the environment is made, so a wrong path is reported each time it is given
    // rather than kept as the process's environment.
    present("ONNX Runtime", library)?;
    ENVIRONMENT
        .get_or_init(|| {
            ort::init_from(library)
                .map_err(|e| e.to_string())?
                .with_name("rehearse")
                .with_telemetry(false)
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| unavailable("ONNX Runtime", e))
}

/// An error naming `path` unless it is a file: ONNX Runtime's own messages for a missing library
/// or graph do not say which file.
fn present(what: &str, path: &Path) -> Result<(), LlmError> {
    if path.is_file() {
        Ok(())
    } else {
        Err(unavailable(what, format!("{} is missing", path.display())))
    }
}

/// The BERT encoder as an ONNX Runtime session.
pub(super) struct OnnxBert {
    /// `Session::run` takes `&mut self`; one embedding pass already uses every core, so passes
    /// take turns.
    session: Mutex<Session>,
}

impl OnnxBert {
    pub(super) fn load(dir: &Path, library: &Path) -> Result<OnnxBert, LlmError> {
        let failed = |e: ort::Error| unavailable("MiniLM (ONNX)", e);
        let model = dir.join("model.onnx");
        present("MiniLM (ONNX)", &model)?;
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let session = Session::builder(environment(library)?)
            .map_err(failed)?
            .with_intra_threads(threads)
            .map_err(|e| failed(e.into()))?
            // Its threads would otherwise spin between passes, on the cores the chat model and
            // the web server share.
            .with_intra_op_spinning(false)
            .map_err(|e| failed(e.into()))?
            .commit_from_file(&model)
            .map_err(failed)?;
        Ok(OnnxBert {
            session: Mutex::new(session),
        })
    }
}

impl Encoder for OnnxBert {
    fn runtime(&self) -> &'static str {
        "onnx"
    }

    fn hidden(&self, batch: Padded) -> Result<Vec<f32>, LlmError> {
        let failed = |e: ort::Error| unavailable("MiniLM (ONNX)", e);
        let shape = [batch.rows as i64, batch.width as i64];
        let widen = |v: Vec<u32>| v.into_iter().map(i64::from).collect::<Vec<i64>>();
        let types =
            Tensor::from_array((shape, vec![0i64; batch.rows * batch.width])).map_err(failed)?;
        let ids = Tensor::from_array((shape, widen(batch.ids))).map_err(failed)?;
        let mask = Tensor::from_array((shape, widen(batch.mask))).map_err(failed)?;
        let mut session = self
            .session
            .lock()
            .map_err(|_| unavailable("MiniLM (ONNX)", "a previous pass panicked"))?;
        let outputs = session
            .run(ort::inputs![
                "input_ids" => ids,
                "attention_mask" => mask,
                "token_type_ids" => types,
            ])
            .map_err(failed)?;
        let (_, hidden) = outputs["last_hidden_state"]
            .try_extract_tensor::<f32>()
            .map_err(failed)?;
        Ok(hidden.to_vec())
    }
}
