//! The local model beside llama.cpp's own server, on the same GGUF, threads and context window:
//! the prompts of the interview the bench has just run (read back from its traces) are replayed
//! in order on each side, both cold at the start and both with prefix caching (our model keeps
//! its KV cache between calls; llama.cpp's server caches prompts by default). Each call's time
//! to first token and decoding speed are printed side by side, so a regression in our runtime
//! shows against the reference it is meant to match. Both sides sample alike (top-k 40, top-p
//! 0.9, repetition penalty 1.15 over 64 tokens, the same temperature and seed) and decode exactly
//! [`DECODED`] tokens, past any end token (llama.cpp's `ignore_eos`), so tokens per second compare
//! the same work rather than two different replies. `bench --compare-llama` runs it in a child
//! process (`compare-llama`), so our side does not share the cores with the server that hosted
//! the interview, just as llama.cpp's server does not.

use futures::StreamExt;
use rehearse_llm::{ChatModel, ChatRequest, StreamEvent};
use rehearse_runtimes::{LocalModel, LocalOptions};
use rehearse_settings::Settings;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// One call's figures.
struct Timing {
    prompt_tokens: Option<u64>,
    ttft_ms: f64,
    tokens: usize,
    tokens_per_s: f64,
}

pub async fn compare(settings: &Settings, requests: &[ChatRequest]) -> anyhow::Result<()> {
    if requests.is_empty() {
        println!("llama.cpp side by side: no model calls to replay");
        return Ok(());
    }
    let gguf = settings.local_model_path();
    let options = LocalOptions {
        context_window: settings.llm.context_window,
        threads: settings.llm.threads,
        ignore_eos: true,
        ..LocalOptions::default()
    };
    let sampling = options.clone();
    let path = gguf.clone();
    let ours = tokio::task::spawn_blocking(move || LocalModel::load(&path, options)).await??;

    let port = crate::drill::free_port()?;
    let _server = tokio::process::Command::new("bash")
        .arg("scripts/openai-server.sh")
        .arg(port.to_string())
        .arg(&gguf)
        .arg("reference")
        .env("REHEARSE_LLM_THREADS", settings.llm.threads.to_string())
        .env("REHEARSE_LLM_CTX", settings.llm.context_window.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let base = format!("http://127.0.0.1:{port}/v1");
    // The first start may install the server into its venv.
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let up = reqwest::get(format!("{base}/models"))
            .await
            .is_ok_and(|r| r.status().is_success());
        if up {
            break;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "llama.cpp's server did not start"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let http = reqwest::Client::new();

    println!(
        "\nthe same prompts on llama.cpp's own server (same GGUF, {} threads, context {}), replayed in order:",
        settings.llm.threads, settings.llm.context_window
    );
    println!(
        "{:<5} {:>8} {:>8} {:>14} {:>14} {:>12} {:>12}",
        "call", "prompt", "reused", "ours ttft ms", "llama ttft ms", "ours tok/s", "llama tok/s"
    );
    let (mut ours_ttft, mut their_ttft, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for (i, request) in requests.iter().enumerate() {
        let mut request = request.clone();
        request.max_tokens = DECODED;
        let mine = timed(&ours, &request).await?;
        let reused = ours.last_reused_tokens();
        let reference = timed_reference(&http, &base, &request, &sampling).await?;
        println!(
            "{:<5} {:>8} {:>8} {:>14.0} {:>14.0} {:>12.1} {:>12.1}",
            i + 1,
            mine.prompt_tokens
                .map_or_else(|| "-".to_owned(), |t| t.to_string()),
            reused,
            mine.ttft_ms,
            reference.ttft_ms,
            mine.tokens_per_s,
            reference.tokens_per_s
        );
        ours_ttft.push(mine.ttft_ms);
        their_ttft.push(reference.ttft_ms);
        if mine.tokens > 1 && reference.tokens > 1 && reference.tokens_per_s > 0.0 {
            ratios.push(mine.tokens_per_s / reference.tokens_per_s);
        }
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    println!(
        "mean ttft: ours {:.0} ms, llama.cpp {:.0} ms (difference {:+.0} ms); decoding speed ours / llama.cpp: {:.2}",
        mean(&ours_ttft),
        mean(&their_ttft),
        mean(&ours_ttft) - mean(&their_ttft),
        mean(&ratios)
    );
    Ok(())
}

/// Tokens each side decodes per call.
const DECODED: u32 = 128;

/// The figures of one streamed reply, from the call to its first and last token.
fn timing(
    started: Instant,
    first: Option<Duration>,
    last: Instant,
    tokens: usize,
    prompt_tokens: Option<u64>,
) -> Timing {
    let first = first.unwrap_or_else(|| started.elapsed());
    let decoding = last
        .saturating_duration_since(started + first)
        .as_secs_f64();
    Timing {
        prompt_tokens,
        ttft_ms: first.as_secs_f64() * 1000.0,
        tokens,
        tokens_per_s: if decoding > 0.0 && tokens > 1 {
            (tokens - 1) as f64 / decoding
        } else {
            0.0
        },
    }
}

/// One reply from llama.cpp's server with our sampling settings and `ignore_eos`, which the
/// OpenAI wire format has no fields for (llama.cpp's server reads them from the same body).
async fn timed_reference(
    http: &reqwest::Client,
    base: &str,
    request: &ChatRequest,
    sampling: &LocalOptions,
) -> anyhow::Result<Timing> {
    let messages: Vec<serde_json::Value> = request
        .messages
        .iter()
        .map(|m| serde_json::json!({ "role": m.role, "content": m.content }))
        .collect();
    let body = serde_json::json!({
        "model": "reference",
        "messages": messages,
        "max_tokens": request.max_tokens,
        "stream": true,
        "stream_options": { "include_usage": true },
        "temperature": request.temperature.unwrap_or(sampling.temperature),
        "top_k": 40,
        "top_p": 0.9,
        "min_p": 0.0,
        "repeat_penalty": sampling.repeat_penalty,
        "repeat_last_n": 64,
        "seed": sampling.seed,
        "ignore_eos": true,
    });
    let started = Instant::now();
    let response = http
        .post(format!("{base}/chat/completions"))
        .json(&body)
        .send()
        .await?
        .error_for_status()?;
    let mut body = response.bytes_stream();
    let (mut first, mut last, mut tokens, mut prompt_tokens) = (None, started, 0usize, None);
    let mut pending = String::new();
    'stream: while let Some(bytes) = body.next().await {
        pending.push_str(&String::from_utf8_lossy(&bytes?));
        while let Some(end) = pending.find('\n') {
            let line: String = pending.drain(..=end).collect();
            let Some(data) = line.trim().strip_prefix("data:") else {
                continue;
            };
            let data = data.trim();
            if data == "[DONE]" {
                break 'stream;
            }
            let event: serde_json::Value = serde_json::from_str(data)?;
            let text = event["choices"][0]["delta"]["content"]
                .as_str()
                .unwrap_or("");
            if !text.is_empty() {
                first.get_or_insert_with(|| started.elapsed());
                last = Instant::now();
                tokens += 1;
            }
            if let Some(usage) = event.get("usage").filter(|u| !u.is_null()) {
                prompt_tokens = usage["prompt_tokens"].as_u64();
                if let Some(n) = usage["completion_tokens"].as_u64() {
                    tokens = n as usize;
                }
            }
        }
    }
    Ok(timing(started, first, last, tokens, prompt_tokens))
}

/// Streams one reply and times it from the call to its first and last token.
async fn timed(model: &dyn ChatModel, request: &ChatRequest) -> anyhow::Result<Timing> {
    let started = Instant::now();
    let mut stream = model.stream(request).await?;
    let (mut first, mut last, mut tokens, mut prompt_tokens) = (None, started, 0usize, None);
    while let Some(event) = stream.next().await {
        match event? {
            StreamEvent::Token(t) if !t.is_empty() => {
                first.get_or_insert_with(|| started.elapsed());
                last = Instant::now();
                tokens += 1;
            }
            StreamEvent::Done { usage, .. } => {
                prompt_tokens = usage.map(|u| u.prompt_tokens);
                // An end token decoded past (ignore_eos) streams no text but was decoded.
                if let Some(u) = usage {
                    tokens = u.completion_tokens as usize;
                    last = Instant::now();
                }
                break;
            }
            _ => {}
        }
    }
    Ok(timing(started, first, last, tokens, prompt_tokens))
}
