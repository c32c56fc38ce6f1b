//! The decoding thread's work: one llama.cpp context kept for the model's life, and each
//! generation on it (the prompt read in chunks after what the KV cache already holds, then the
//! reply sampled token by token and sent as complete UTF-8).

use super::{backend, Job, LocalOptions, PROMPT_CHUNK};
use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::LlamaModel;
use llama_cpp_2::sampling::LlamaSampler;
use llama_cpp_2::token::LlamaToken;
use rehearse_llm::{FinishReason, LlmError, StreamEvent, Usage};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicUsize, Ordering};

pub(super) fn new_context<'m>(
    model: &'m LlamaModel,
    options: &LocalOptions,
) -> Result<LlamaContext<'m>, LlmError> {
    let params = LlamaContextParams::default()
        .with_n_ctx(NonZeroU32::new(options.context_window))
        .with_n_batch(options.context_window)
        .with_n_threads(options.threads)
        .with_n_threads_batch(options.threads);
    model
        .new_context(backend()?, params)
        .map_err(|e| LlmError::Unavailable(format!("context: {e}")))
}

/// The decoding thread: one context for the model's life, and the tokens its KV cache holds.
/// A generation that fails leaves the cache cleared, so the next one starts clean.
pub(super) fn decoder(
    model: &LlamaModel,
    options: &LocalOptions,
    inbox: &std::sync::mpsc::Receiver<Job>,
    reused: &AtomicUsize,
) {
    let mut context = None;
    let mut cached: Vec<LlamaToken> = Vec::new();
    while let Ok(job) = inbox.recv() {
        if context.is_none() {
            match new_context(model, options) {
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
        let stopped = || job.tx.is_closed();
        if let Err(e) = generate(model, ctx, &mut cached, &job, options, reused, &stopped) {
            ctx.clear_kv_cache();
            cached.clear();
            let _ = job.tx.blocking_send(Err(e));
        }
    }
}

/// The decode loop. Returns early, without error, when `stopped` says nobody waits any more
/// (checked before each prompt chunk) or the receiver has gone away (noticed at each token).
/// `cached` is what the KV cache holds (sequence 0, from position 0) and is kept exact: a token
/// is added only once it is decoded, so a prompt stopped halfway is reused as far as it got.
pub(super) fn generate(
    model: &LlamaModel,
    ctx: &mut LlamaContext<'_>,
    cached: &mut Vec<LlamaToken>,
    job: &Job,
    options: &LocalOptions,
    reused: &AtomicUsize,
    stopped: &dyn Fn() -> bool,
) -> Result<(), LlmError> {
    let failed =
        |what: &str, e: &dyn std::fmt::Display| LlmError::Unavailable(format!("{what}: {e}"));
    let (max_tokens, tx) = (job.max_tokens, &job.tx);
    let vocab = model.vocab();
    let tokens = vocab.tokenize(job.prompt.as_bytes(), false, true);
    if tokens.is_empty() {
        return Err(failed("prompt", &"it has no tokens"));
    }
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
    let mut batch = LlamaBatch::new(PROMPT_CHUNK.max(1), 1);
    let last = fresh.len().saturating_sub(1);
    for (c, chunk) in fresh.chunks(PROMPT_CHUNK).enumerate() {
        if stopped() {
            return Ok(());
        }
        batch.clear();
        for (j, token) in chunk.iter().enumerate() {
            let i = c * PROMPT_CHUNK + j;
            batch
                .add(*token, (common + i) as i32, &[0], i == last)
                .map_err(|e| failed("batch", &e))?;
        }
        ctx.decode(&mut batch).map_err(|e| failed("decode", &e))?;
        cached.extend_from_slice(chunk);
    }

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
