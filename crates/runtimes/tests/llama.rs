//! The embedded model (llama.cpp in-process) on the real SmolLM2 GGUF that
//! `scripts/fetch-models.sh` unpacks.

use futures::StreamExt;
use rehearse_llm::{ChatMessage, ChatModel, ChatRequest, StreamEvent};
use rehearse_runtimes::llama::{LocalModel, LocalOptions};

fn model() -> LocalModel {
    model_with(LocalOptions {
        context_window: 2048,
        ..LocalOptions::default()
    })
}

fn model_with(options: LocalOptions) -> LocalModel {
    let path = rehearse_testkit::smollm2_gguf();
    assert!(
        path.exists(),
        "{} is missing: run scripts/fetch-models.sh",
        path.display()
    );
    LocalModel::load(&path, options).expect("load")
}

/// Every event of one call, to its end.
async fn events(
    model: &LocalModel,
    request: &ChatRequest,
) -> Vec<Result<StreamEvent, rehearse_llm::LlmError>> {
    model.stream(request).await.expect("stream").collect().await
}

fn request(max_tokens: u32) -> ChatRequest {
    ChatRequest {
        messages: vec![
            ChatMessage::system("You are a helpful interviewer."),
            ChatMessage::user("Ask me one question about databases."),
        ],
        tools: vec![],
        max_tokens,
        temperature: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_tokens_then_usage() {
    let model = model();
    assert_eq!(model.provider(), "local");
    assert_eq!(model.model(), "SmolLM2-135M-Instruct.Q4_1");
    let events = events(&model, &request(24)).await;
    let tokens = events
        .iter()
        .filter(|e| matches!(e, Ok(StreamEvent::Token(_))))
        .count();
    assert!(tokens > 1, "{events:?}");
    match events.last() {
        Some(Ok(StreamEvent::Done { usage: Some(u), .. })) => {
            assert!(u.prompt_tokens > 10);
            assert!(u.completion_tokens >= 1 && u.completion_tokens <= 24);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_stream_stops_decoding_and_frees_the_model() {
    let model = model();
    let mut stream = model.stream(&request(200)).await.expect("stream");
    assert!(matches!(
        stream.next().await,
        Some(Ok(StreamEvent::Token(_)))
    ));
    drop(stream);
    // The model takes one generation at a time: a second call only starts once the first let go.
    let second: Vec<_> = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        events(&model, &request(8)),
    )
    .await
    .expect("the first generation was cancelled, not run to its end");
    assert!(matches!(second.last(), Some(Ok(StreamEvent::Done { .. }))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_prompt_is_refused_not_truncated() {
    let model = model();
    let mut big = request(16);
    big.messages.push(ChatMessage::user("word ".repeat(5000)));
    let events = events(&model, &big).await;
    assert!(
        matches!(
            events.last(),
            Some(Err(rehearse_llm::LlmError::Upstream { status: 400, .. }))
        ),
        "{events:?}"
    );
}

/// The context lives as long as the model and its KV cache keeps the last prompt: a prompt that
/// starts the same way is decoded only from where it differs, and one that does not is decoded
/// whole (nothing stale is reused).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prompt_sharing_a_prefix_reuses_the_decoded_tokens() {
    async fn run(model: &LocalModel, request: &ChatRequest) -> u64 {
        match events(model, request).await.last() {
            Some(Ok(StreamEvent::Done { usage: Some(u), .. })) => u.prompt_tokens,
            other => panic!("{other:?}"),
        }
    }
    let model = model();
    let first = request(8);
    let first_tokens = run(&model, &first).await as usize;
    assert_eq!(model.last_reused_tokens(), 0, "a cold cache reuses nothing");

    // The next turn of the same conversation: the first prompt, then more.
    let mut next = first.clone();
    next.messages.push(ChatMessage::assistant(
        "What is an index, and when does it help?",
    ));
    next.messages.push(ChatMessage::user(
        "It speeds up lookups at the cost of writes.",
    ));
    let next_tokens = run(&model, &next).await as usize;
    let reused = model.last_reused_tokens();
    assert!(
        reused >= first_tokens / 2 && reused < next_tokens,
        "reused {reused} of {next_tokens} (the first prompt had {first_tokens})"
    );

    // A different system prompt shares almost nothing.
    let other = ChatRequest {
        messages: vec![
            ChatMessage::system("Translate the user's words into French."),
            ChatMessage::user("Good morning."),
        ],
        ..request(8)
    };
    run(&model, &other).await;
    assert!(
        model.last_reused_tokens() < 8,
        "reused {} tokens of an unrelated prompt",
        model.last_reused_tokens()
    );

    // The same prompt again reuses all of it but the last token, whose logits start the reply.
    let again = run(&model, &other).await as usize;
    assert_eq!(model.last_reused_tokens(), again - 1);
}

/// The benches' `ignore_eos`: a reply asked for "OK" and nothing else still decodes exactly the
/// tokens asked for, so both sides of the llama.cpp comparison do the same work.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ignoring_the_end_token_decodes_exactly_the_tokens_asked_for() {
    let model = model_with(LocalOptions {
        context_window: 2048,
        ignore_eos: true,
        ..LocalOptions::default()
    });
    let mut short = request(40);
    short.messages = vec![ChatMessage::user("Reply with the single word OK.")];
    let events = events(&model, &short).await;
    match events.last() {
        Some(Ok(StreamEvent::Done { usage: Some(u), .. })) => {
            assert_eq!(u.completion_tokens, 40, "{events:?}")
        }
        other => panic!("{other:?}"),
    }
}

/// The nice value of each of this process's threads named `name` (Linux keeps one per thread).
#[cfg(target_os = "linux")]
fn nice_values_of(name: &str) -> Vec<i64> {
    let mut values = Vec::new();
    for task in std::fs::read_dir("/proc/self/task").expect("tasks") {
        let dir = task.expect("task").path();
        let comm = std::fs::read_to_string(dir.join("comm")).unwrap_or_default();
        if comm.trim() != name {
            continue;
        }
        let stat = std::fs::read_to_string(dir.join("stat")).unwrap_or_default();
        values.extend(nice_in(&stat));
    }
    values
}

/// The nice value in a `/proc/.../stat` line: after the command in parentheses, field 19.
#[cfg(target_os = "linux")]
fn nice_in(stat: &str) -> Option<i64> {
    let (_, rest) = stat.rsplit_once(')')?;
    rest.split_whitespace().nth(16)?.parse().ok()
}

/// The decoding thread (and the threads llama.cpp starts from it, which inherit its name and
/// priority) runs below the rest of the process, which keeps its own priority.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_decoding_threads_run_below_the_server() {
    let model = model_with(LocalOptions {
        context_window: 2048,
        niceness: 7,
        ..LocalOptions::default()
    });
    let events = events(&model, &request(4)).await;
    assert!(matches!(events.last(), Some(Ok(StreamEvent::Done { .. }))));
    // Relative to the process (a test run may itself be niced); other tests in this binary
    // load models at the default priority, so a thread 7 below the process is this one's.
    let own = std::fs::read_to_string("/proc/thread-self/stat").expect("own stat");
    let own = nice_in(&own).expect("own nice value");
    let decoders = nice_values_of("llama-decoder");
    assert!(
        decoders.contains(&(own + 7).min(19)),
        "{decoders:?}, own {own}"
    );
}
