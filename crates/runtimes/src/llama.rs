//! The embedded model: a GGUF run in-process by llama.cpp (through `llama-cpp-2`), needing no
//! key and no network. Decoding runs on one long-lived thread of its own, which keeps one
//! llama.cpp context for the life of the model, and streams pieces out through a bounded
//! channel; when the receiver is dropped (the stop button, a closed connection, a deadline) the
//! decoder stops at the next token, or while it reads the prompt at the next chunk of
//! [`PROMPT_CHUNK`] tokens, so a long prompt is not read to its end for nobody. One generation
//! runs at a time: on a 2-core machine a second concurrent decode only halves both.
//!
//! The decoding thread, and the threads llama.cpp starts from it, run `niceness` steps below
//! the rest of the process (Linux): decoding takes every core it is given, and on a small
//! machine the web server's pages and the turns' database writes must not queue behind it.
//!
//! Keeping the context is what makes the first token fast, as in llama.cpp's own server: a new
//! context per call allocated its KV cache and compute buffers every time, and the KV cache
//! still holds the previous prompt, so a prompt that starts the same way (the system prompt,
//! every interview's; an interview's conversation so far, turn after turn) is decoded only from
//! where it differs.
//!
//! The chat template comes from the GGUF itself, so any architecture an admin points at is
//! prompted correctly; ChatML is the fallback. Small models repeat themselves under greedy
//! decoding, so sampling uses a repetition penalty, top-k/top-p and temperature, and stops at
//! the end-of-generation token or `max_tokens`. Tool definitions are not sent: with the small
//! local model the orchestrator decides the flow itself.

use decode::decoder;
use futures::StreamExt;
use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::model::{LlamaChatMessage, LlamaModel};
use rehearse_llm::{ChatModel, ChatRequest, EventStream, LlmError, MessageRole, StreamEvent};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};

/// llama.cpp's backend may be initialised once per process.
static BACKEND: OnceLock<Result<LlamaBackend, String>> = OnceLock::new();

fn backend() -> Result<&'static LlamaBackend, LlmError> {
    BACKEND
        .get_or_init(|| {
            LlamaBackend::init()
                .map(|mut b| {
                    b.void_logs();
                    b
                })
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| LlmError::Unavailable(format!("llama.cpp backend: {e}")))
}

/// Settings of the embedded model.
#[derive(Debug, Clone)]
pub struct LocalOptions {
    pub context_window: u32,
    pub threads: i32,
    pub temperature: f32,
    pub repeat_penalty: f32,
    pub seed: u32,
    /// How far below the process's priority the decoding threads run (Linux `nice`, 0-19).
    pub niceness: i32,
    /// Decode until `max_tokens` even past an end-of-generation token, as llama.cpp's
    /// `ignore_eos` does: only for benchmarks, so both sides decode the same number of tokens.
    pub ignore_eos: bool,
}

impl Default for LocalOptions {
    fn default() -> Self {
        LocalOptions {
            context_window: 4096,
            threads: 2,
            temperature: 0.7,
            repeat_penalty: 1.15,
            seed: 42,
            niceness: 0,
            ignore_eos: false,
        }
    }
}

pub struct LocalModel {
    model: Arc<LlamaModel>,
    name: String,
    options: LocalOptions,
    /// The one context takes one generation at a time. The gateway's admission in front
    /// decides who may wait for it and how long; this only keeps the order when admission
    /// lets more calls through than the model has contexts (a fallback, a bench), and a
    /// caller that gives up while waiting here simply leaves the line.
    one_at_a_time: Arc<Semaphore>,
    /// To the decoding thread; it ends when this is dropped.
    jobs: std::sync::mpsc::SyncSender<Job>,
    /// Prompt tokens the last generation found already in the KV cache (for tests and benches).
    reused: Arc<AtomicUsize>,
}

/// Prompt tokens decoded in one batch: the stop button is noticed between two batches. On two
/// cores SmolLM2 reads about 230 prompt tokens a second, so a stop waits about half a second;
/// the price is about 7% of prompt speed against llama.cpp's own 512-token batches (a
/// 1,400-token prompt: 6.2 s against 5.8 s), where a stop would wait about two seconds.
pub const PROMPT_CHUNK: usize = 128;

/// One generation for the decoding thread. The permit is held until it has finished.
struct Job {
    prompt: String,
    max_tokens: u32,
    temperature: f32,
    tx: mpsc::Sender<Result<StreamEvent, LlmError>>,
    _permit: OwnedSemaphorePermit,
}

impl LocalModel {
    /// Loads a GGUF file (blocking: call it from a blocking context or at start).
    pub fn load(path: &Path, options: LocalOptions) -> Result<LocalModel, LlmError> {
        if !path.exists() {
            return Err(LlmError::Unavailable(format!(
                "model file {} is missing (run scripts/fetch-models.sh)",
                path.display()
            )));
        }
        let model = LlamaModel::load_from_file(backend()?, path, &LlamaModelParams::default())
            .map_err(|e| LlmError::Unavailable(format!("loading {}: {e}", path.display())))?;
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "local".into());
        let model = Arc::new(model);
        let reused = Arc::new(AtomicUsize::new(0));
        let (jobs, inbox) = std::sync::mpsc::sync_channel(1);
        {
            let (model, options, reused) = (model.clone(), options.clone(), reused.clone());
            std::thread::Builder::new()
                .name("llama-decoder".into())
                .spawn(move || {
                    lower_priority(options.niceness);
                    decoder(&model, &options, &inbox, &reused)
                })
                .map_err(|e| LlmError::Unavailable(format!("decoding thread: {e}")))?;
        }
        Ok(LocalModel {
            model,
            name,
            options,
            one_at_a_time: Arc::new(Semaphore::new(1)),
            jobs,
            reused,
        })
    }

    /// How many prompt tokens the last generation found already decoded in the KV cache.
    pub fn last_reused_tokens(&self) -> usize {
        self.reused.load(Ordering::SeqCst)
    }

    /// The model's own chat template applied to the messages, or ChatML when it has none.
    fn prompt(&self, request: &ChatRequest) -> Result<String, LlmError> {
        let role = |r: MessageRole| match r {
            MessageRole::System => "system",
            MessageRole::User => "user",
            MessageRole::Assistant => "assistant",
            MessageRole::Tool => "user",
        };
        if let Ok(template) = self.model.chat_template(None) {
            let messages: Result<Vec<LlamaChatMessage>, _> = request
                .messages
                .iter()
                .map(|m| {
                    LlamaChatMessage::new(role(m.role).to_owned(), m.content.replace('\0', ""))
                })
                .collect();
            if let Ok(messages) = messages {
                if let Ok(prompt) = self.model.apply_chat_template(&template, &messages, true) {
                    return Ok(prompt);
                }
            }
        }
        let mut prompt = String::new();
        for m in &request.messages {
            prompt.push_str(&format!(
                "<|im_start|>{}\n{}<|im_end|>\n",
                role(m.role),
                m.content
            ));
        }
        prompt.push_str("<|im_start|>assistant\n");
        Ok(prompt)
    }
}

#[async_trait::async_trait]
impl ChatModel for LocalModel {
    fn provider(&self) -> &str {
        "local"
    }

    fn model(&self) -> &str {
        &self.name
    }

    async fn stream(&self, request: &ChatRequest) -> Result<EventStream, LlmError> {
        let prompt = self.prompt(request)?;
        let permit = self
            .one_at_a_time
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| LlmError::Unavailable("model closed".into()))?;
        let (tx, rx) = mpsc::channel::<Result<StreamEvent, LlmError>>(32);
        let job = Job {
            prompt,
            max_tokens: request.max_tokens,
            temperature: request.temperature.unwrap_or(self.options.temperature),
            tx,
            _permit: permit,
        };
        // The permit is released only when the thread has finished the previous job, so the
        // one place in the channel is always free here.
        self.jobs
            .try_send(job)
            .map_err(|_| LlmError::Unavailable("the decoding thread has stopped".into()))?;
        Ok(tokio_stream_from(rx).boxed())
    }
}

/// Lowers the calling thread's priority `niceness` steps below where it is (Linux keeps a nice
/// value per thread, and the threads it starts inherit it). Best effort: a refusal leaves the
/// thread as it was.
fn lower_priority(niceness: i32) {
    if niceness <= 0 {
        return;
    }
    #[cfg(target_os = "linux")]
    {
        // `None` is the calling thread on Linux, whose nice values are per thread.
        use rustix::process::{getpriority_process, setpriority_process};
        let lowered = getpriority_process(None)
            .and_then(|now| setpriority_process(None, (now + niceness).min(19)));
        if let Err(error) = lowered {
            tracing::warn!(
                niceness,
                %error,
                "could not lower the local model's priority"
            );
        }
    }
}

fn tokio_stream_from(
    mut rx: mpsc::Receiver<Result<StreamEvent, LlmError>>,
) -> impl futures::Stream<Item = Result<StreamEvent, LlmError>> {
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

mod decode;
#[cfg(test)]
mod tests;
