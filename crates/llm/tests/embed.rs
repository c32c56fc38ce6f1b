//! Embeddings: the OpenAI-compatible client against a real llama.cpp server serving
//! `/v1/embeddings` (MiniLM in-process is tested in `rehearse-runtimes`).

use rehearse_llm::budget::BudgetStore;
use rehearse_llm::embed::{cosine, Embedder, OpenAiEmbeddings};
use rehearse_llm::gateway::{EmbedContext, EmbedderLoader, Embeddings};
use rehearse_llm::pricing::Pricing;
use rehearse_llm::testing::ceilings_usd;
use rehearse_llm::trace::TraceStore;
use rehearse_testkit::{free_port, fresh_db, workspace_root, Backend};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

fn models() -> PathBuf {
    rehearse_testkit::models_dir()
}

fn texts() -> Vec<String> {
    [
        "How should I design database indexes for heavy writes?",
        "Designing indexes for a write-heavy PostgreSQL table",
        "My cat sleeps all afternoon in the sun",
    ]
    .into_iter()
    .map(String::from)
    .collect()
}

fn check(vectors: &[Vec<f32>], dims: usize) {
    assert_eq!(vectors.len(), 3);
    for v in vectors {
        assert_eq!(v.len(), dims);
        let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-3, "unit length: {norm}");
    }
    let related = cosine(&vectors[0], &vectors[1]);
    let unrelated = cosine(&vectors[0], &vectors[2]);
    assert!(
        related > unrelated,
        "related {related} > unrelated {unrelated}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openai_compatible_embeddings_from_a_real_server() {
    let root = workspace_root();
    let gguf = models().join("smollm2/SmolLM2-135M-Instruct.Q4_1.gguf");
    assert!(
        gguf.exists(),
        "{} is missing: run scripts/fetch-models.sh",
        gguf.display()
    );
    let port = free_port();
    let _server = tokio::process::Command::new("bash")
        .arg(root.join("scripts/openai-server.sh"))
        .arg(port.to_string())
        .arg(&gguf)
        .arg("smollm2")
        .env("REHEARSE_LLM_EMBEDDINGS", "1")
        .current_dir(&root)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start the server");
    let base = format!("http://127.0.0.1:{port}/v1");
    let mut up = false;
    for _ in 0..600 {
        if reqwest::get(format!("{base}/models"))
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "the embeddings server did not start");
    let client = OpenAiEmbeddings::new(&base, "smollm2", None, 576).expect("client");
    let vectors = client.embed(&texts()).await.expect("embed");
    check(&vectors, 576);

    // Through the gateway, priced: the trace carries the tokens the server reported, and the
    // cost charged is those tokens at the price.
    let t = fresh_db(Backend::Sqlite).await;
    let budget = Arc::new(BudgetStore::new(&t.db, ceilings_usd(1.0, 1.0, 1.0)));
    let price = Pricing {
        input_usd_per_mtok: 1.0,
        output_usd_per_mtok: 0.0,
    };
    let (b, k) = (base.clone(), None);
    let loader: EmbedderLoader = Arc::new(move || {
        OpenAiEmbeddings::new(&b, "smollm2", k.clone(), 576)
            .map(|m| Arc::new(m) as Arc<dyn Embedder>)
            .map_err(|e| e.to_string())
    });
    let embeddings = Embeddings::new(&t.db, budget, price, loader);
    let vectors = embeddings
        .embed(EmbedContext::unattributed("embed_chunks"), &texts())
        .await
        .expect("embed through the gateway");
    check(&vectors, 576);
    let traces = TraceStore::new(&t.db).list(None, 10).await.expect("traces");
    assert_eq!(traces.len(), 1, "one call, one trace");
    let trace = &traces[0];
    assert_eq!(
        (
            trace.call.step.as_str(),
            trace.call.provider.as_str(),
            trace.status.as_str()
        ),
        ("embed_chunks", "openai", "ok")
    );
    assert!(trace.prompt_tokens > 0, "the server reported its tokens");
    assert_eq!(
        trace.cost_nanos,
        trace.prompt_tokens * 1000,
        "$1 per million tokens"
    );
}
