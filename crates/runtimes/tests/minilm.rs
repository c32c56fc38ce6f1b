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

fn onnx_library() -> PathBuf {
    models().join("onnxruntime/libonnxruntime.so")
}

/// The default runtime, ONNX Runtime, computes candle's vectors: the graph carries the same
/// weights and the pooling is shared, so stored vectors stay valid whichever runtime made them.
/// Texts of every length group, one past the 256-token truncation, in one batch and alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn onnx_runtime_computes_candles_vectors() {
    let dir = models().join("minilm");
    assert!(
        dir.join("model.onnx").exists() && onnx_library().exists(),
        "model.onnx or libonnxruntime.so is missing: run scripts/fetch-models.sh"
    );
    let onnx = LocalMiniLm::load_onnx(&dir, &onnx_library()).expect("load onnx");
    let candle = LocalMiniLm::load(&dir).expect("load candle");
    assert_eq!((onnx.runtime(), candle.runtime()), ("onnx", "candle"));
    let mut texts = texts();
    texts.push("Kafka ".repeat(300));
    texts.extend((0..20).map(|i| {
        format!(
            "Requirement {i}: run PostgreSQL on call, {}",
            "and more ".repeat(i)
        )
    }));
    let a = onnx.embed(&texts).await.expect("onnx embed");
    let b = candle.embed(&texts).await.expect("candle embed");
    check(&a[..3], 384);
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        let similarity = cosine(x, y);
        let largest = x
            .iter()
            .zip(y)
            .map(|(p, q)| (p - q).abs())
            .fold(0f32, f32::max);
        assert!(
            similarity > 0.99999 && largest < 1e-3,
            "text {i}: cosine {similarity}, largest difference {largest}"
        );
    }
    let alone = onnx.embed(&texts[2..3]).await.expect("alone");
    assert!(cosine(&alone[0], &a[2]) > 0.99999);
    assert!(onnx.embed(&[]).await.expect("empty").is_empty());
}

/// A missing graph or library is a clear error naming the file, never a panic, and a wrong
/// library path does not stop a right one from loading afterwards.
#[test]
fn a_missing_onnx_file_is_named() {
    let dir = models().join("minilm");
    let Err(err) = LocalMiniLm::load_onnx(&dir, &dir.join("no-such-library.so")) else {
        panic!("loaded without a library");
    };
    assert!(err.to_string().contains("no-such-library.so"), "{err}");
    let empty = std::env::temp_dir().join("rehearse-no-minilm-here");
    let Err(err) = LocalMiniLm::load_onnx(&empty, &onnx_library()) else {
        panic!("loaded without a graph");
    };
    assert!(err.to_string().contains("model.onnx"), "{err}");
    LocalMiniLm::load_onnx(&dir, &onnx_library()).expect("the right library still loads");
}
