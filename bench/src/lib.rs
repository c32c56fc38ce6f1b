//! Benchmarks and drills for Rehearse: commands that print figures, run by hand (the README
//! lists them with their last results), each with a small-scale test in CI. They live in their
//! own crate so the production `server` binary carries none of their code or dependencies
//! (tempfile among them); they drive the server through its library (`server::startup`) or, for
//! the drills that kill it, as a child process of this binary (`rehearse-bench serve`).
//!
//! The stream bench needs only the gateway, the database and the upstream double, so it also
//! builds without the default `full` feature (no server, no embedded models, no SurrealDB): as
//! `rehearse-stream-bench`, a release build of which takes minutes rather than an hour.

#[cfg(feature = "full")]
pub mod drill;
#[cfg(feature = "full")]
pub mod kb_bench;
#[cfg(feature = "full")]
mod live_events;
#[cfg(feature = "full")]
pub mod llama_side_by_side;
#[cfg(feature = "full")]
pub mod load;
#[cfg(feature = "full")]
pub mod model_bench;
pub mod stream_bench;
mod upstream;
#[cfg(feature = "full")]
pub mod upstream_drill;

#[cfg(feature = "full")]
/// The request that starts an interview on the Rust sample role, as the browser sends it
/// (every bench and drill starts the same interview).
pub(crate) fn start_request(client: &reqwest::Client, base: &str) -> reqwest::RequestBuilder {
    client
        .post(format!("{base}/api/start_interview"))
        .header("accept", "application/json")
        .form(&[
            ("role", "backend-rust"),
            ("kind", "technical"),
            ("difficulty", "mid"),
        ])
}

#[cfg(feature = "full")]
/// Creates a local account and signs `client` in to it, as a person does: sign-up signs nobody
/// in (it answers "check your email"), and an unconfirmed account may sign in and practise.
pub(crate) async fn sign_up_and_in(
    client: &reqwest::Client,
    base: &str,
    email: &str,
    password: &str,
    name: &str,
) -> anyhow::Result<()> {
    client
        .post(format!("{base}/auth/signup"))
        .header("accept", "application/json")
        .form(&[("email", email), ("password", password), ("name", name)])
        .send()
        .await?
        .error_for_status()?;
    client
        .post(format!("{base}/auth/login"))
        .header("accept", "application/json")
        .form(&[("email", email), ("password", password)])
        .send()
        .await?
        .error_for_status()?;
    Ok(())
}
