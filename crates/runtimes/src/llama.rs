//! The embedded model: a GGUF run in-process by llama.cpp (through `llama-cpp-2`), needing no
//! key and no network. Decoding runs on one long-lived thread of its own, which keeps one
//! llama.cpp context for the life of the model, and streams pieces out through a bounded
//! channel; when the receiver is dropped (the stop button, a closed connection) the decode loop
//! stops at the next token. One generation runs at a time: on a 2-core machine a second
//! concurrent decode only halves both.
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

use futures::StreamExt;
use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::model::{LlamaChatMessage, LlamaModel};
use llama_cpp_2::sampling::LlamaSampler;
use llama_cpp_2::token::LlamaToken;
use rehearse_llm::{
    ChatModel, ChatRequest, EventStream, FinishReason, LlmError, MessageRole, StreamEvent, Usage,
};
use std::num::NonZeroU32;
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
            ignore_eos: false,
        }
    }
}

pub struct LocalModel {
    model: Arc<LlamaModel>,
    name: String,
    options: LocalOptions,
    one_at_a_time: Arc<Semaphore>,
    /// To the decoding thread; it ends when this is dropped.
    jobs: std::sync::mpsc::SyncSender<Job>,
    /// Prompt tokens the last generation found already in the KV cache (for tests and benches).
    reused: Arc<AtomicUsize>,
}

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
                .spawn(move || decoder(&model, &options, &inbox, &reused))
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

fn tokio_stream_from(
    mut rx: mpsc::Receiver<Result<StreamEvent, LlmError>>,
) -> impl futures::Stream<Item = Result<StreamEvent, LlmError>> {
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

/// The decoding thread: one context for the model's life, and the tokens its KV cache holds.
/// A generation that fails leaves the cache cleared, so the next one starts clean.
fn decoder(
    model: &LlamaModel,
    options: &LocalOptions,
    inbox: &std::sync::mpsc::Receiver<Job>,
    reused: &AtomicUsize,
) {
    let mut context = None;
    let mut cached: Vec<LlamaToken> = Vec::new();
    while let Ok(job) = inbox.recv() {
        if context.is_none() {
            let params = LlamaContextParams::default()
                .with_n_ctx(NonZeroU32::new(options.context_window))
                .with_n_batch(options.context_window)
                .with_n_threads(options.threads)
                .with_n_threads_batch(options.threads);
            match backend().and_then(|b| {
                model
                    .new_context(b, params)
                    .map_err(|e| LlmError::Unavailable(format!("context: {e}")))
            }) {
                Ok(ctx) => context = Some(ctx),
                Err(e) => {
                    let _ = job.tx.blocking_send(Err(e));
                    continue;
                }
            }
        }
        let Some(ctx) = context.as_mut() else {
            continue;
        };
        if let Err(e) = generate(model, ctx, &mut cached, &job, options, reused) {
            ctx.clear_kv_cache();
            cached.clear();
            let _ = job.tx.blocking_send(Err(e));
        }
    }
}

/// The decode loop. Returns early, without error, when the receiver has gone away. `cached` is
/// what the KV cache holds (sequence 0, from position 0) and is kept exact: a token is added
/// only once it is decoded.
fn generate(
    model: &LlamaModel,
    ctx: &mut LlamaContext<'_>,
    cached: &mut Vec<LlamaToken>,
    job: &Job,
    options: &LocalOptions,
    reused: &AtomicUsize,
) -> Result<(), LlmError> {
    let failed =
        |what: &str, e: &dyn std::fmt::Display| LlmError::Unavailable(format!("{what}: {e}"));
    let (max_tokens, tx) = (job.max_tokens, &job.tx);
    let vocab = model.vocab();
    let tokens = vocab.tokenize(job.prompt.as_bytes(), false, true);
    let window = options.context_window as usize;
    if tokens.len() + max_tokens as usize > window {
        return Err(LlmError::Upstream {
            status: 400,
            message: format!("prompt of {} tokens plus {max_tokens} reply tokens exceeds the context window of {window}", tokens.len()),
            retry_after: None,
        });
    }
    // What the cache already holds of this prompt is kept; the rest of the cache is dropped.
    // The last prompt token is always decoded again: its logits start the reply.
    let mut common = cached
        .iter()
        .zip(&tokens)
        .take_while(|(a, b)| a == b)
        .count()
        .min(tokens.len().saturating_sub(1));
    if common < cached.len() {
        let removed = u32::try_from(common)
            .ok()
            .and_then(|p0| ctx.clear_kv_cache_seq(Some(0), Some(p0), None).ok())
            .unwrap_or(false);
        if !removed {
            ctx.clear_kv_cache();
            common = 0;
        }
        cached.truncate(common);
    }
    reused.store(common, Ordering::SeqCst);
    let fresh = &tokens[common..];
    let mut batch = LlamaBatch::new(fresh.len().max(1), 1);
    let last = fresh.len().saturating_sub(1);
    for (i, token) in fresh.iter().enumerate() {
        batch
            .add(*token, (common + i) as i32, &[0], i == last)
            .map_err(|e| failed("batch", &e))?;
    }
    ctx.decode(&mut batch).map_err(|e| failed("decode", &e))?;
    cached.extend_from_slice(fresh);

    // Top-k first: the repetition penalty then looks at 40 candidates instead of the whole
    // vocabulary (49,152 hash look-ups a token, about 5% of decoding time on this model). A
    // token the penalty would push out of the top 40 is one it would not pick anyway.
    let mut sampler = LlamaSampler::chain_simple([
        LlamaSampler::top_k(40),
        LlamaSampler::penalties(vocab.n_tokens(), 64, options.repeat_penalty, 0.0, 0.0),
        LlamaSampler::top_p(0.9, 1),
        LlamaSampler::temp(job.temperature.max(0.01)),
        LlamaSampler::dist(options.seed),
    ]);
    let mut pending: Vec<u8> = Vec::new();
    let mut position = tokens.len() as i32;
    let mut generated: u64 = 0;
    let mut finish = FinishReason::Length;
    let mut logits_index = batch.n_tokens() - 1;
    while generated < u64::from(max_tokens) {
        let token = sampler.sample(ctx, logits_index);
        sampler.accept(token);
        if vocab.is_eog(token) && !options.ignore_eos {
            finish = FinishReason::Stop;
            break;
        }
        generated += 1;
        pending.extend(vocab.token_to_piece(token, false, None));
        // Emit only complete UTF-8: a character may span several tokens.
        let valid = match std::str::from_utf8(&pending) {
            Ok(s) => s.len(),
            Err(e) => e.valid_up_to(),
        };
        if valid > 0 {
            let text: String = String::from_utf8_lossy(&pending[..valid]).into_owned();
            pending.drain(..valid);
            if tx.blocking_send(Ok(StreamEvent::Token(text))).is_err() {
                return Ok(());
            }
        }
        batch.clear();
        batch
            .add(token, position, &[0], true)
            .map_err(|e| failed("batch", &e))?;
        position += 1;
        logits_index = 0;
        ctx.decode(&mut batch).map_err(|e| failed("decode", &e))?;
        cached.push(token);
    }
    if !pending.is_empty() {
        let _ = tx.blocking_send(Ok(StreamEvent::Token(
            String::from_utf8_lossy(&pending).into_owned(),
        )));
    }
    let usage = Usage {
        prompt_tokens: tokens.len() as u64,
        completion_tokens: generated,
    };
    let _ = tx.blocking_send(Ok(StreamEvent::Done {
        finish,
        usage: Some(usage),
    }));
    Ok(())
}
