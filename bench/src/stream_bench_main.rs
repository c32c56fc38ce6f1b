//! `rehearse-stream-bench [--streams 100,1000] [--per-second 200]`: the stream bench alone, the
//! same tables as `rehearse-bench stream-bench`. It exists for its build: without the default
//! `full` feature it leaves out the server, the embedded models and SurrealDB, so its release
//! build (the profile the bench's targets are stated for) takes minutes on two cores:
//! `cargo build --release -p rehearse-bench --no-default-features --bin rehearse-stream-bench`.

use clap::Parser;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "rehearse-stream-bench",
    about = "What the model choke point adds to a streamed reply (prints figures)"
)]
struct Cli {
    #[command(flatten)]
    options: rehearse_bench::stream_bench::Options,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match rehearse_bench::stream_bench::run(&cli.options).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rehearse-stream-bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}
