//! all-MiniLM-L6-v2 in-process on the model `scripts/fetch-models.sh` unpacks.

use rehearse_llm::embed::{cosine, Embedder};
use rehearse_runtimes::LocalMiniLm;
use std::path::PathBuf;

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

/// A batch larger than one length group, in no order of length: every text gets its own vector
/// back, in its own place, whatever group its length put it in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn texts_grouped_by_length_come_back_in_their_places() {
    let model = LocalMiniLm::load(&models().join("minilm")).expect("load");
    let texts: Vec<String> = (0..40)
        .map(|i| {
            let words = ["services", "on-call", "PostgreSQL", "Kafka", "latency"];
            let n = 1 + (i * 7) % 23;
            (0..n)
                .map(|j| words[(i + j) % words.len()])
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let together = model.embed(&texts).await.expect("embed");
    assert_eq!(together.len(), texts.len());
    for (i, text) in texts.iter().enumerate() {
        let alone = model
            .embed(std::slice::from_ref(text))
            .await
            .expect("embed");
        let similarity = cosine(&alone[0], &together[i]);
        assert!(similarity > 0.999, "text {i}: {similarity}");
    }
    let lengths = model.token_lengths(&texts).expect("lengths");
    assert_eq!(lengths.len(), texts.len());
    // Length groups pad less than one batch padded to its longest text.
    let grouped = LocalMiniLm::padded_tokens(&lengths);
    let whole = lengths.len() * lengths.iter().max().copied().unwrap_or(0);
    assert!(grouped < whole, "{grouped} < {whole}");
    assert!(grouped >= lengths.iter().sum::<usize>());
    let profile = rehearse_runtimes::throughput::profile(&model, &texts, 32).expect("profile");
    assert_eq!(profile.texts, 40);
    assert_eq!(profile.tokens, lengths.iter().sum::<usize>());
    assert!(profile.flops > 0.0 && profile.seconds > 0.0);
}
