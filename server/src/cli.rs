use crate::startup::{leptos_options, Application};
use rehearse_auth::throttle::LoginThrottle;
use rehearse_auth::Accounts;
use rehearse_db::Db;
use rehearse_settings::Settings;
use std::sync::Arc;
use std::time::Duration;

/// What both binaries (`server` and `rehearse-bench`) do around their command: load the
/// settings (exit code 2 if they do not load), run `command` with them, and make its outcome
/// the exit code (1, with the error's whole chain printed, if it failed). One place, so the two
/// answer a bad configuration and a failed command alike.
pub async fn run<F, Fut>(command: F) -> std::process::ExitCode
where
    F: FnOnce(Settings) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let settings = match rehearse_settings::load() {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("error: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    match command(settings).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

pub async fn serve(settings: Settings) -> anyhow::Result<()> {
    let options = leptos_options()?;
    let app = Application::build(settings, options).await?;
    tracing::info!(address = %app.address(), "Rehearse is serving");
    app.run_until_stopped().await?;
    Ok(())
}

pub async fn migrate(settings: Settings) -> anyhow::Result<()> {
    let db = Db::connect(&settings.database_url()).await?;
    db.migrate().await?;
    println!("migrations applied");
    Ok(())
}

pub async fn promote(settings: Settings, email: &str) -> anyhow::Result<()> {
    let db = Db::connect(&settings.database_url()).await?;
    db.migrate().await?;
    let throttle = Arc::new(LoginThrottle::new(1, 1, Duration::from_secs(1)));
    let accounts = Accounts::new(&db, throttle, Vec::new());
    match accounts.promote_from_cli(email).await {
        Ok(user) => {
            println!("{} is now an admin", user.email);
            Ok(())
        }
        Err(rehearse_auth::RoleChangeError::NotFound) => {
            anyhow::bail!("no account with email {email}: sign up first, then promote")
        }
        Err(e) => Err(e.into()),
    }
}

/// Marks an account's email address confirmed, for an operator who has checked it some other
/// way (the person cannot receive mail, say). Audited as done from the command line.
pub async fn verify_email(settings: Settings, email: &str) -> anyhow::Result<()> {
    let db = Db::connect(&settings.database_url()).await?;
    db.migrate().await?;
    let throttle = Arc::new(LoginThrottle::new(1, 1, Duration::from_secs(1)));
    let verification = rehearse_auth::verify::Verification::new(
        &db,
        throttle,
        rehearse_auth::outbox::MailWake::default(),
    );
    match verification.confirm_by_operator(email).await? {
        Some(user) => {
            println!("{} is confirmed", user.email);
            Ok(())
        }
        None => anyhow::bail!("no account with email {email}"),
    }
}
