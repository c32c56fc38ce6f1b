//! `rehearse-bench eval` and `rehearse-bench bench-knowledge`: the retrieval eval set's scores, and the
//! knowledge base's speed on this CPU (ingestion throughput, scoped retrieval latency with a
//! large store loaded, HNSW recall@10 against exact search). Everything runs on the real parts
//! (SQLite, embedded SurrealDB, MiniLM) in a temporary directory.
//!
//! The HNSW recall section is [`hnsw_recall`]; where ingestion's time goes is [`ingestion`].

use hnsw_recall::{hnsw_recall, Shape};
use ingestion::ingestion_breakdown;
use rehearse_knowledge::store::{ChunkStore, StoredChunk};
use rehearse_knowledge::{eval, KnowledgeBase};
use rehearse_llm::gateway::EmbedContext;
use rehearse_settings::Settings;
use std::time::Instant;

mod hnsw_recall;
mod ingestion;

async fn scratch(settings: &Settings) -> anyhow::Result<(tempfile::TempDir, KnowledgeBase)> {
    let dir = tempfile::tempdir()?;
    let db =
        rehearse_db::Db::connect(&format!("sqlite://{}/bench.db", dir.path().display())).await?;
    db.migrate().await?;
    let mut s = settings.clone();
    s.data_dir = dir.path().to_owned();
    s.knowledge.url = None;
    if s.knowledge.minilm_dir.is_none() {
        s.knowledge.minilm_dir = Some(settings.minilm_dir());
    }
    let (pricing, loader) = server::models::embedder(&s);
    let embeddings = rehearse_llm::gateway::Embeddings::new(
        &db,
        server::models::budget(&s, &db),
        pricing,
        loader,
    );
    let kb = server::models::knowledge(&s, &db, embeddings);
    Ok((dir, kb))
}

/// One of the labelled eval sets under `crates/knowledge/eval/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EvalSet {
    /// The repository's set, which the rules are tuned on.
    Repo,
    /// The first held-out set (read before the last round of rules: no longer blind).
    HeldOut,
    /// The first blind set: committed before it was ever run; its misses were read once
    /// (2026-11-28), so it is measured but no longer blind to whoever read them.
    Blind,
    /// The second blind set, committed before it was ever run; its misses were read on purpose
    /// once the third blind set was committed (README), so it is a read set now.
    #[value(name = "blind-2")]
    Blind2,
    /// The third blind set, committed before it was ever run; its misses were read on purpose
    /// once the fourth was committed (2026-11-30), so it is a read set now.
    #[value(name = "blind-3")]
    Blind3,
    /// The fourth blind set (2026-11-30), committed before it was ever run; its misses were read
    /// on purpose once the fifth was committed, so it is a read set now.
    #[value(name = "blind-4")]
    Blind4,
    /// The fifth blind set (2026-11-30, later session), committed before it was ever run; its
    /// misses were read once the sixth was committed, so it is a read set now.
    #[value(name = "blind-5")]
    Blind5,
    /// The sixth blind set (2026-11-30, later session), committed before it was ever run and
    /// never read by whoever tunes.
    #[value(name = "blind-6")]
    Blind6,
    /// Unanswerable questions written to trip the answer rules (2026-11-30), on the
    /// repository's job descriptions: read and tuned against.
    Adversarial,
}

impl EvalSet {
    fn describe(self) -> (&'static str, std::path::PathBuf) {
        match self {
            EvalSet::Repo => ("the repository's set (tuned against)", eval::default_dir()),
            EvalSet::HeldOut => (
                "the held-out set (read before the last rules; not blind)",
                eval::held_out_dir(),
            ),
            EvalSet::Blind => (
                "the first blind set (never tuned against; its misses were read once, 2026-11-28: README)",
                eval::blind_dir(),
            ),
            EvalSet::Blind2 => (
                "the second blind set (its misses read once the third was written: not blind)",
                eval::blind_2_dir(),
            ),
            EvalSet::Blind3 => (
                "the third blind set (its misses read once the fourth was written: not blind)",
                eval::blind_3_dir(),
            ),
            EvalSet::Blind4 => (
                "the fourth blind set (its misses read once the fifth was written: not blind)",
                eval::blind_4_dir(),
            ),
            EvalSet::Blind5 => (
                "the fifth blind set (its misses read once the sixth was written: not blind)",
                eval::blind_5_dir(),
            ),
            EvalSet::Blind6 => (
                "the sixth blind set (never read or tuned against)",
                eval::blind_6_dir(),
            ),
            EvalSet::Adversarial => (
                "the adversarial set (unanswerable questions aimed at the rules; read)",
                eval::adversarial_dir(),
            ),
        }
    }
}

impl std::fmt::Display for EvalSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            EvalSet::Repo => "repo",
            EvalSet::HeldOut => "held-out",
            EvalSet::Blind => "blind",
            EvalSet::Blind2 => "blind-2",
            EvalSet::Blind3 => "blind-3",
            EvalSet::Blind4 => "blind-4",
            EvalSet::Blind5 => "blind-5",
            EvalSet::Blind6 => "blind-6",
            EvalSet::Adversarial => "adversarial",
        })
    }
}

/// Prints recall@5, MRR, the answered-correctly share and the unanswerable share for fusion
/// alone and with reranking, for each set asked for.
pub async fn eval(settings: Settings, sets: &[EvalSet]) -> anyhow::Result<()> {
    let mut unflagged = 0;
    for set in sets {
        let (name, dir) = set.describe();
        // Each set in its own scratch store, so one's chunks never answer the other's questions.
        let (_dir, kb) = scratch(&settings).await?;
        let report = eval::run(&kb, &dir, "eval@rehearse").await?;
        println!("== {name}");
        let missed = report.reranked.misses.len();
        let answered = report.reranked.unflagged_unanswerable.len();
        if eval::is_blind(&dir) {
            // Its figures only: the questions stay unread (README, "Retrieval evaluation").
            print!("{}", report.figures_only());
            println!(
                "{missed} answerable not answered with the passage that answers, {answered} unanswerable answered (questions not printed: the set stays blind)"
            );
        } else {
            print!("{report}");
        }
        unflagged += answered;
    }
    if unflagged > 0 {
        anyhow::bail!("unanswerable questions produced answers");
    }
    Ok(())
}

/// Retrieval for one version, caches cold (every question's vector computed before timing,
/// outside any cache), with `loaded` chunks in the store, beside the store's own scoped
/// queries it replaced; then recall@10 against the store's exact scoped search while filler
/// versions are deleted and added.
async fn retrieval_figures(
    settings: &Settings,
    kb: &KnowledgeBase,
    store: &ChunkStore,
    questions: &[eval::Question],
    versions: &std::collections::HashMap<String, String>,
    loaded: usize,
) -> anyhow::Result<()> {
    let asked: Vec<(&eval::Question, &String)> = questions
        .iter()
        .filter_map(|q| versions.get(&q.jd).map(|v| (q, v)))
        .collect();
    // The query embedding, reported on its own: one question, no cache; the model alone, and
    // through the gateway (a reservation and a trace written around each call).
    let (_, loader) = server::models::embedder(settings);
    let model = tokio::task::spawn_blocking(move || loader())
        .await?
        .map_err(anyhow::Error::msg)?;
    let mut model_ms = Vec::new();
    let mut gateway_ms = Vec::new();
    let mut vectors = Vec::new();
    for (q, _) in &asked {
        let t = Instant::now();
        model.embed(std::slice::from_ref(&q.question)).await?;
        model_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        let v = kb
            .embeddings()
            .embed(
                EmbedContext::unattributed("bench"),
                std::slice::from_ref(&q.question),
            )
            .await?;
        gateway_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        vectors.push(v.into_iter().next().unwrap_or_default());
    }
    model_ms.sort_by(f64::total_cmp);
    gateway_ms.sort_by(f64::total_cmp);
    println!(
        "query embedding (MiniLM, one question, uncached): model alone p50 {:.1} ms, p99 {:.1} ms; through the gateway (charged and traced) p50 {:.1} ms, p99 {:.1} ms",
        percentile(&model_ms, 0.5),
        percentile(&model_ms, 0.99),
        percentile(&gateway_ms, 0.5),
        percentile(&gateway_ms, 0.99)
    );
    // Ingestion built each version's index in this process; a restarted one reads it from the
    // store on the version's first question, timed here on its own.
    kb.forget_cached(&versions.values().cloned().collect::<Vec<_>>());
    let mut build_ms = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for ((q, v), vector) in asked.iter().zip(&vectors) {
        if seen.insert(v.as_str()) {
            let t = Instant::now();
            kb.search_with_vector(v, &q.question, vector).await?;
            build_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }
    build_ms.sort_by(f64::total_cmp);
    println!(
        "version index read from the store (a version's first question after a restart): p50 {:.1} ms, max {:.1} ms over {} versions",
        percentile(&build_ms, 0.5),
        build_ms.last().copied().unwrap_or(0.0),
        build_ms.len()
    );
    let mut times = Vec::new();
    let mut store_ms = Vec::new();
    for _ in 0..3 {
        for ((q, v), vector) in asked.iter().zip(&vectors) {
            let t = Instant::now();
            let (by_vector, by_text) = kb.search_with_vector(v, &q.question, vector).await?;
            rehearse_knowledge::rank::rank(
                &q.question,
                &by_vector,
                &by_text,
                kb.config().thresholds,
                true,
            );
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            let t = Instant::now();
            store.nearest(v, vector, 20).await?;
            store.full_text(v, &q.question, 20).await?;
            store_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }
    times.sort_by(f64::total_cmp);
    store_ms.sort_by(f64::total_cmp);
    println!(
        "retrieval for one version (vector + full text + fusion + rerank; embedding excluded), {loaded} chunks loaded: p50 {:.3} ms, p99 {:.3} ms over {} questions",
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times.len()
    );
    println!(
        "  reference, the store's scoped queries it replaced (SurrealDB exact cosine + BM25 per word): p50 {:.1} ms, p99 {:.1} ms",
        percentile(&store_ms, 0.5),
        percentile(&store_ms, 0.99)
    );
    // Churn: filler versions deleted and added between questions; recall@10 of the in-memory
    // search against the store's exact search within the version.
    let mut hits = 0;
    let mut total = 0;
    for (n, ((q, v), vector)) in asked.iter().zip(&vectors).enumerate() {
        let gone = format!("filler-{n}");
        store.delete_version(&gone).await?;
        store
            .insert(&[StoredChunk {
                key: format!("churn-{n}:0"),
                jd_id: "churn".into(),
                version_id: format!("churn-{n}"),
                position: 0,
                section: "Churn".into(),
                text: q.question.clone(),
                indexed: q.question.clone(),
                hash: format!("churn-{n}"),
                flagged: false,
                embedding: vector.clone(),
            }])
            .await?;
        let (mine, _) = kb.search_with_vector(v, &q.question, vector).await?;
        let exact = store.nearest(v, vector, 10).await?;
        let mine: Vec<&str> = mine.iter().take(10).map(|c| c.chunk_id.as_str()).collect();
        total += exact.len();
        hits += exact
            .iter()
            .filter(|c| mine.contains(&c.chunk_id.as_str()))
            .count();
    }
    println!(
        "recall@10 within the version against exact search, while {} versions were deleted and {} added: {:.3}",
        asked.len(),
        asked.len(),
        hits as f64 / total.max(1) as f64
    );
    Ok(())
}

/// A deterministic pseudo-random unit vector (xorshift), for filler chunks.
fn filler_vector(seed: u64, dims: usize) -> Vec<f32> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let v: Vec<f32> = (0..dims)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % 20_000) as f32 / 10_000.0 - 1.0
        })
        .collect();
    normalised(v)
}

/// `v` scaled to unit length (cosine and the HNSW index both expect unit vectors here).
fn normalised(mut v: Vec<f32>) -> Vec<f32> {
    let norm = v.iter().map(|a| a * a).sum::<f32>().sqrt().max(1e-6);
    v.iter_mut().for_each(|a| *a /= norm);
    v
}

pub(crate) fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

pub async fn bench(settings: Settings, chunks: usize, hnsw_vectors: usize) -> anyhow::Result<()> {
    let (dir, kb) = scratch(&settings).await?;
    let (jds, questions) = eval::load(&eval::default_dir()).map_err(anyhow::Error::msg)?;
    let dims = kb.embeddings().dimensions().await?;

    // 1. Ingestion: chunk, embed (nothing cached) and store the eval set's job descriptions.
    let started = Instant::now();
    let mut versions = std::collections::HashMap::new();
    for (stem, text) in &jds {
        let added = kb.add(None, stem, text, "bench@rehearse").await?;
        versions.insert(stem.clone(), added.version.id);
    }
    while kb.run_next_job().await? {}
    let secs = started.elapsed().as_secs_f64();
    let mut ingested = 0;
    for id in versions.values() {
        ingested += kb
            .catalog()
            .version(id)
            .await?
            .map(|v| v.chunks_total)
            .unwrap_or(0);
    }
    println!(
        "ingestion: {ingested} chunks in {secs:.2} s = {:.1} chunks/s (MiniLM on {}, this CPU, SurrealKV)",
        ingested as f64 / secs,
        settings.knowledge.minilm_runtime.as_str()
    );
    ingestion_breakdown(&settings, &jds, &questions, kb.config().embed_batch, secs)?;

    // 2. Scoped retrieval latency with `chunks` filler chunks loaded beside the real ones.
    let store = kb.store().await?;
    let started = Instant::now();
    let batch = 1000;
    let mut written = 0;
    while written < chunks {
        let n = batch.min(chunks - written);
        let rows: Vec<StoredChunk> = (written..written + n)
            .map(|i| StoredChunk {
                key: format!("filler-{}:{}", i / 100, i % 100),
                jd_id: format!("filler-jd-{}", i / 1000),
                version_id: format!("filler-{}", i / 100),
                position: i % 100,
                section: "Filler > Section".into(),
                text: format!(
                    "Filler chunk {i} about services, on-call, salary bands, Kafka and PostgreSQL."
                ),
                indexed: format!(
                    "Filler chunk {i} about services, on-call, salary bands, Kafka and PostgreSQL."
                ),
                hash: format!("filler-{i}"),
                flagged: false,
                embedding: filler_vector(i as u64, dims),
            })
            .collect();
        store.insert(&rows).await?;
        written += n;
    }
    println!(
        "loaded {written} filler chunks in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    retrieval_figures(
        &settings,
        &kb,
        store,
        &questions,
        &versions,
        written + ingested as usize,
    )
    .await?;
    drop(kb);

    // 3. HNSW recall@10 against exact search, each on its own store of `hnsw_vectors` vectors:
    // uniform random unit vectors (the hardest case for any graph index: every distance is
    // nearly the same) and clustered ones (what sentence embeddings of similar documents
    // look like: topics, with documents spread around each).
    for (name, shape) in [("uniform", Shape::Uniform), ("clustered", Shape::Clustered)] {
        hnsw_recall(&dir.path().join(name), name, shape, dims, hnsw_vectors).await?;
    }
    Ok(())
}
