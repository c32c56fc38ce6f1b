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
    server::cli::run(move |settings| async move {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => server::cli::serve(settings).await,
            Command::Migrate => server::cli::migrate(settings).await,
            Command::Promote { email } => server::cli::promote(settings, &email).await,
            Command::VerifyEmail { email } => server::cli::verify_email(settings, &email).await,
        }
    })
    .await
}
