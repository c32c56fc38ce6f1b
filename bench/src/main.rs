//! `rehearse-bench <command>`: Rehearse's benchmarks and drills. Each prints figures; none is a
//! pass/fail test (their small-scale tests run in CI).

use clap::{Parser, Subcommand};
use rehearse_bench::kb_bench::EvalSet;

#[derive(Parser)]
#[command(
    name = "rehearse-bench",
    about = "Rehearse's benchmarks and drills (they print figures)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Measure the configured model through the whole server path (HTTP, gateway, live stream).
    Bench {
        /// How many candidate messages to send (the interview may end sooner).
        #[arg(long, default_value_t = 6)]
        turns: usize,
        /// Then replay the interview's prompts on llama.cpp's own server (same GGUF, threads
        /// and context) beside the local model, and print both.
        #[arg(long)]
        compare_llama: bool,
    },
    /// Score retrieval and answers on the labelled eval sets (recall@5, MRR, answered
    /// correctly, unanswerable declined).
    Eval {
        /// Which sets: any of `repo`, `held-out`, `blind`, `blind-2` to `blind-6` and `adversarial`
        /// (all by default).
        /// Tune on `repo` alone; the others are measured, never tuned against.
        #[arg(long, value_delimiter = ',', default_values_t = [EvalSet::Repo, EvalSet::HeldOut, EvalSet::Blind, EvalSet::Blind2, EvalSet::Blind3, EvalSet::Blind4, EvalSet::Blind5, EvalSet::Blind6, EvalSet::Adversarial])]
        sets: Vec<EvalSet>,
    },
    /// Measure the knowledge base: ingestion throughput, retrieval latency, HNSW recall.
    BenchKnowledge {
        /// Filler chunks loaded before timing retrieval.
        #[arg(long, default_value_t = 100_000)]
        chunks: usize,
        /// Vectors in the HNSW recall measurement.
        #[arg(long, default_value_t = 5_000)]
        hnsw_vectors: usize,
    },
    /// Many candidates start interviews and answer at once on SQLite (scripted model): prints
    /// successes, refusals, errors and latencies.
    LoadTurns {
        #[arg(long, default_value_t = 200)]
        candidates: usize,
        /// Run on the configured model (the embedded local model by default) instead of the
        /// scripted one: prints who got a slot, who got the built question at once, how long
        /// each waited, and an unrelated page's latency meanwhile.
        #[arg(long, conflicts_with = "upstream")]
        local: bool,
        /// Run on the fast OpenAI-compatible upstream double without an admission limit, with
        /// every candidate's live stream open: prints when the first interviewer text reached
        /// it, beside the upstream's own times at the same concurrency.
        #[arg(long)]
        upstream: bool,
    },
    /// What the model choke point adds to a streamed reply, against a fast upstream double:
    /// time to first token (upstream alone, out of the gateway), errors, memory per open stream.
    StreamBench(rehearse_bench::stream_bench::Options),
    /// Kill the server with SIGKILL at named points of a turn, restart it, and check that no
    /// candidate message was lost or duplicated and no interview is stuck.
    FaultDrill {
        #[arg(long, default_value_t = 20)]
        kills: usize,
        #[arg(long, default_value_t = 4)]
        candidates: usize,
        /// Instead of killing the server, give it a failing model provider
        /// (tools/fault_upstream.py): ok, http500, http429, hang, cut, slow or flaky.
        #[arg(long)]
        upstream: Option<String>,
    },
    /// Replay model requests (a JSON list, as `bench --compare-llama` writes it) on the local
    /// model and on llama.cpp's own server, side by side, in a process that hosts nothing else.
    #[command(hide = true)]
    CompareLlama {
        #[arg(long)]
        requests: std::path::PathBuf,
    },
    /// Serve the platform exactly as `server serve` does: the drills run this binary as their
    /// server child process (the server is a library; this is its composition root too).
    #[command(hide = true)]
    Serve,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    use rehearse_bench::{
        drill, kb_bench, llama_side_by_side, load, model_bench, stream_bench, upstream_drill,
    };
    server::telemetry::init();
    let cli = Cli::parse();
    server::cli::run(move |settings| async move {
        match cli.command {
            Command::Bench {
                turns,
                compare_llama,
            } => model_bench::run(settings, turns, compare_llama).await,
            Command::Eval { sets } => kb_bench::eval(settings, &sets).await,
            Command::FaultDrill {
                kills,
                candidates,
                upstream,
            } => match upstream {
                Some(mode) => upstream_drill::run(settings, &mode, candidates).await,
                None => drill::run(settings, kills, candidates).await,
            },
            Command::StreamBench(options) => stream_bench::run(&options).await,
            Command::LoadTurns {
                candidates,
                local,
                upstream,
            } => {
                let kind = match (local, upstream) {
                    (true, _) => load::LoadModel::Local,
                    (false, true) => load::LoadModel::FastUpstream,
                    (false, false) => load::LoadModel::Scripted,
                };
                load::run(settings, candidates, kind).await.map(|_| ())
            }
            Command::BenchKnowledge {
                chunks,
                hnsw_vectors,
            } => kb_bench::bench(settings, chunks, hnsw_vectors).await,
            Command::CompareLlama { requests } => {
                let requests: Vec<rehearse_llm::ChatRequest> =
                    serde_json::from_slice(&std::fs::read(&requests)?)?;
                llama_side_by_side::compare(&settings, &requests).await
            }
            Command::Serve => server::cli::serve(settings).await,
        }
    })
    .await
}
