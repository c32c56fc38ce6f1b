//! `server` runs the platform; `server promote <email>` makes an account an admin (and marks
//! its address confirmed); `server verify-email <email>` marks an address confirmed;
//! `server migrate` applies database migrations and exits.

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "server",
    about = "Rehearse: mock interviews for backend engineers"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web application (the default).
    Serve,
    /// Apply pending database migrations, then exit.
    Migrate,
    /// Measure the configured model through the whole server path (HTTP, gateway, live stream).
    Bench {
        /// How many candidate messages to send (the interview may end sooner).
        #[arg(long, default_value_t = 6)]
        turns: usize,
    },
    /// Score retrieval on the labelled eval set (recall@5, MRR, unanswerable declined).
    Eval,
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
    },
    /// What the model choke point adds to a streamed reply, against a fast upstream double:
    /// time to first token (upstream alone, out of the gateway), errors, memory per open stream.
    StreamBench {
        /// Replies started at once, one run per value (comma-separated).
        #[arg(long, value_delimiter = ',', default_values_t = vec![100, 1000])]
        streams: Vec<usize>,
    },
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
    /// Make an existing account an admin (how the first admin is made without configuration).
    /// Running it vouches for the address: it is marked confirmed too.
    Promote {
        /// The account's email address.
        email: String,
    },
    /// Mark an account's email address confirmed without its link (you checked it another way).
    VerifyEmail {
        /// The account's email address.
        email: String,
    },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    server::telemetry::init();
    let cli = Cli::parse();
    let settings = match rehearse_settings::load() {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("error: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => server::cli::serve(settings).await,
        Command::Migrate => server::cli::migrate(settings).await,
        Command::Promote { email } => server::cli::promote(settings, &email).await,
        Command::VerifyEmail { email } => server::cli::verify_email(settings, &email).await,
        Command::Bench { turns } => server::bench::run(settings, turns).await,
        Command::Eval => server::kb_bench::eval(settings).await,
        Command::FaultDrill {
            kills,
            candidates,
            upstream,
        } => match upstream {
            Some(mode) => server::upstream_drill::run(settings, &mode, candidates).await,
            None => server::drill::run(settings, kills, candidates).await,
        },
        Command::StreamBench { streams } => server::stream_bench::run(&streams).await,
        Command::LoadTurns { candidates } => server::load::run(settings, candidates).await,
        Command::BenchKnowledge {
            chunks,
            hnsw_vectors,
        } => server::kb_bench::bench(settings, chunks, hnsw_vectors).await,
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
