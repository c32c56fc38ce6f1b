/// Logs to stderr, filtered by `RUST_LOG` (default: info for our crates, warn for the rest).
pub fn init() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        EnvFilter::new(
            "warn,server=info,app=info,rehearse_auth=info,rehearse_db=info,tower_http=info",
        )
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(true)
        .try_init();
}
