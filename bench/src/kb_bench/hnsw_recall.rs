//! HNSW recall@10 against an exact scan, on uniform and clustered vectors, for
//! `rehearse-bench bench-knowledge`: how good SurrealDB's graph index is for searches across
//! versions (a version's own search is exact, in memory).

use super::{filler_vector, normalised, percentile};
use rehearse_knowledge::store::{ChunkStore, Location, StoredChunk};
use std::time::Instant;

#[derive(Clone, Copy)]
pub(super) enum Shape {
    Uniform,
    Clustered,
}

/// Vector `seed` of a shape: uniform, or one of 50 topic centres plus noise.
fn shaped_vector(shape: Shape, seed: u64, dims: usize) -> Vec<f32> {
    match shape {
        Shape::Uniform => filler_vector(seed, dims),
        Shape::Clustered => {
            let centre = filler_vector(seed % 50, dims);
            let noise = filler_vector(seed.wrapping_mul(31).wrapping_add(7_000_000), dims);
            normalised(
                centre
                    .iter()
                    .zip(&noise)
                    .map(|(c, n)| c + 0.6 * n)
                    .collect(),
            )
        }
    }
}

pub(super) async fn hnsw_recall(
    path: &std::path::Path,
    name: &str,
    shape: Shape,
    dims: usize,
    n: usize,
) -> anyhow::Result<()> {
    let hnsw = ChunkStore::open(&Location::Embedded(path.to_owned()), dims).await?;
    let rows: Vec<StoredChunk> = (0..n)
        .map(|i| StoredChunk {
            key: format!("h:{i}"),
            jd_id: "h".into(),
            version_id: format!("h{}", i / 100),
            position: i,
            section: String::new(),
            text: format!("vector {i}"),
            indexed: format!("vector {i}"),
            hash: format!("h{i}"),
            flagged: false,
            embedding: shaped_vector(shape, 1_000_000 + i as u64, dims),
        })
        .collect();
    let started = Instant::now();
    hnsw.insert(&rows).await?;
    println!(
        "HNSW ({name}): inserted {n} vectors in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let queries: Vec<Vec<f32>> = (0..50u64)
        .map(|i| shaped_vector(shape, 5_000_000 + i, dims))
        .collect();
    let mut exact = Vec::new();
    let mut exact_ms = Vec::new();
    for q in &queries {
        let t = Instant::now();
        exact.push(hnsw.nearest_exact_anywhere(q, 10).await?);
        exact_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    exact_ms.sort_by(f64::total_cmp);
    for ef in [40, 100, 200] {
        let mut hits = 0;
        let mut total = 0;
        let mut ann_ms = Vec::new();
        for (q, truth) in queries.iter().zip(&exact) {
            let t = Instant::now();
            let approx = hnsw.nearest_anywhere(q, 10, ef).await?;
            ann_ms.push(t.elapsed().as_secs_f64() * 1000.0);
            hits += approx.iter().filter(|k| truth.contains(k)).count();
            total += truth.len();
        }
        ann_ms.sort_by(f64::total_cmp);
        println!(
            "HNSW ({name}) recall@10 vs exact over {n} vectors, ef {ef}: {:.3} (50 queries); p50 HNSW {:.1} ms, exact scan {:.1} ms",
            hits as f64 / total.max(1) as f64,
            percentile(&ann_ms, 0.5),
            percentile(&exact_ms, 0.5)
        );
    }
    Ok(())
}
