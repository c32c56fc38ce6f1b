//! Embeddings: the OpenAI-compatible client against a real llama.cpp server serving
//! `/v1/embeddings` (MiniLM in-process is tested in `rehearse-runtimes`).

use rehearse_llm::embed::{cosine, Embedder, OpenAiEmbeddings};
use rehearse_testkit::{free_port, workspace_root};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

fn models() -> PathBuf {
    std::env::var("REHEARSE_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| workspace_root().join("data/models"))
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
}
