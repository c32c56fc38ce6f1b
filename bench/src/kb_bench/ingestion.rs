//! Where ingestion's time goes, for `rehearse-bench bench-knowledge`: MiniLM alone on each
//! runtime beside the matrix kernels' ceiling.

use super::percentile;
use rehearse_knowledge::eval;
use rehearse_settings::Settings;
use std::time::Instant;

/// Where ingestion's time goes: the same chunks embedded by MiniLM alone, in the batches
/// ingestion uses, on each runtime (ONNX Runtime, the default, and candle side by side), with one
/// question's embedding on each, beside the matrix kernels' own speed on this machine, which
/// bounds how many chunks per second any pass over this model can embed.
pub(super) fn ingestion_breakdown(
    settings: &Settings,
    jds: &[(String, String)],
    questions: &[eval::Question],
    batch: usize,
    ingestion_secs: f64,
) -> anyhow::Result<()> {
    use rehearse_runtimes::{throughput, LocalMiniLm};
    let texts: Vec<String> = jds
        .iter()
        .flat_map(|(_, text)| rehearse_knowledge::chunk::chunk(text))
        .map(|c| c.indexed_text())
        .collect();
    let dir = settings.minilm_dir();
    let runtimes = [
        LocalMiniLm::load_onnx(&dir, &settings.onnxruntime_library()),
        LocalMiniLm::load(&dir),
    ];
    let mut mean = 0.0;
    let mut embedding_secs = None;
    for model in runtimes {
        let model = match model {
            Ok(model) => model,
            Err(e) => {
                println!("  MiniLM runtime unavailable: {e}");
                continue;
            }
        };
        let p = throughput::profile(&model, &texts, batch)?;
        mean = p.tokens as f64 / p.texts.max(1) as f64;
        let mut query_ms = Vec::new();
        for q in questions {
            let t = Instant::now();
            model.embed_blocking(std::slice::from_ref(&q.question))?;
            query_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        query_ms.sort_by(f64::total_cmp);
        let configured = model.runtime() == settings.knowledge.minilm_runtime.as_str();
        println!(
            "  MiniLM alone on {} ({}), the same {} chunks (batches of {batch}): {:.2} s = {:.1} chunks/s, {:.1} GFLOP/s; one question: p50 {:.1} ms over {}",
            model.runtime(),
            if configured { "configured" } else { "for comparison" },
            p.texts,
            p.seconds,
            p.texts_per_s(),
            p.gflops_per_s(),
            percentile(&query_ms, 0.5),
            query_ms.len()
        );
        if configured {
            embedding_secs = Some(p.seconds);
        }
        println!(
            "    {} tokens (mean {mean:.0} a chunk), {} run with padding ({} if each batch were padded to its longest)",
            p.tokens, p.padded_tokens, p.padded_whole_batch
        );
    }
    if let Some(secs) = embedding_secs {
        println!(
            "  everything else (chunking, store writes, catalog, traces): about {:.2} s",
            (ingestion_secs - secs).max(0.0)
        );
    }
    let kernels = throughput::matmul_gflops()?;
    let bound = kernels * 1e9 / (mean * throughput::flops_per_token(mean as usize));
    println!(
        "  reference: candle's f32 matrix product at MiniLM's shape on this machine: {kernels:.1} GFLOP/s, so at {mean:.0} tokens a chunk candle can embed at most {bound:.0} chunks/s here"
    );
    Ok(())
}
