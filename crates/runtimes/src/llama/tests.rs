//! The decoder stopped while it reads the prompt, on the real SmolLM2 file.

use super::decode::{generate, new_context};
use super::*;
use llama_cpp_2::token::LlamaToken;
use std::cell::Cell;

/// Stop while the prompt is being read: the decoder leaves off at the next chunk, sends
/// nothing, and the cache holds exactly what it decoded (so the next call reuses it).
#[test]
fn a_prompt_stopped_halfway_is_left_where_it_stopped() {
    let path = rehearse_testkit::smollm2_gguf();
    let backend = backend().expect("backend");
    let model = LlamaModel::load_from_file(backend, &path, &LlamaModelParams::default())
        .expect("the SmolLM2 file (scripts/fetch-models.sh)");
    let options = LocalOptions {
        context_window: 2048,
        ..LocalOptions::default()
    };
    let mut ctx = new_context(&model, &options).expect("context");
    let (tx, mut rx) = mpsc::channel(32);
    let permit = Arc::new(Semaphore::new(1))
        .try_acquire_owned()
        .expect("permit");
    let job = Job {
        prompt: "word ".repeat(4 * PROMPT_CHUNK),
        max_tokens: 8,
        temperature: 0.7,
        tx,
        _permit: permit,
    };
    // The stop comes after two chunks were read.
    let checks = Cell::new(0);
    let stopped = || {
        checks.set(checks.get() + 1);
        checks.get() > 2
    };
    let mut cached = Vec::new();
    let reused = AtomicUsize::new(0);
    let mut run = |cached: &mut Vec<LlamaToken>, stopped: &dyn Fn() -> bool| {
        generate(&model, &mut ctx, cached, &job, &options, &reused, stopped)
    };
    run(&mut cached, &stopped).expect("stopping is not an error");
    assert_eq!(
        cached.len(),
        2 * PROMPT_CHUNK,
        "two chunks decoded, no more"
    );
    assert!(
        rx.try_recv().is_err(),
        "nothing was sent for a stopped call"
    );

    // The same prompt again picks up where the stopped one left off.
    run(&mut cached, &|| false).expect("the whole reply");
    assert_eq!(reused.load(Ordering::SeqCst), 2 * PROMPT_CHUNK);
    let mut events = Vec::new();
    while let Ok(event) = rx.try_recv() {
        events.push(event);
    }
    assert!(
        matches!(events.last(), Some(Ok(StreamEvent::Done { .. }))),
        "{events:?}"
    );
}
