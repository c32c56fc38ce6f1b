//! all-MiniLM-L6-v2 in-process on the model `scripts/fetch-models.sh` unpacks.

use rehearse_llm::embed::{cosine, Embedder};
use rehearse_runtimes::LocalMiniLm;
use rehearse_testkit::workspace_root;
use std::path::PathBuf;

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
async fn minilm_embeds_in_process() {
    let dir = models().join("minilm");
    assert!(
        dir.join("model.safetensors").exists(),
        "{} is missing: run scripts/fetch-models.sh",
        dir.display()
    );
    let model = LocalMiniLm::load(&dir).expect("load");
    assert_eq!(model.dimensions(), 384);
    let vectors = model.embed(&texts()).await.expect("embed");
    check(&vectors, 384);
    // Batching pads to the longest text and does not change a text's vector.
    let alone = model.embed(&texts()[2..]).await.expect("embed");
    assert!(cosine(&alone[0], &vectors[2]) > 0.999);
    assert!(model.embed(&[]).await.expect("empty").is_empty());
}
