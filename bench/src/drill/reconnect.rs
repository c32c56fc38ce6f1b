//! A browser that reconnects while a reply is committed but not yet announced, over HTTP
//! against the real server process.
//!
//! That moment is real and short: a turn commits its reply, then moves the phase, and only
//! then announces the reply on the live stream. A browser reconnecting in between is sent the
//! stored reply (it is after its `Last-Event-ID`) and the draft of that same reply (the hub
//! still holds it). In the wrong order (reply, then draft) the page would show the question
//! twice, the second copy a draft that nothing ever clears. The server is held at exactly that
//! moment by arming the fault point [`rehearse_interview::faults::BETWEEN_REPLY_AND_PHASE`]
//! (no timing involved), the stream is reconnected, and then the server is killed and started
//! again to check that the turn completes once, with no draft left behind.

use super::{signed_in, start_interview, ServerProcess};
use anyhow::Context;
use rehearse_interview::faults::BETWEEN_REPLY_AND_PHASE;
use std::time::Duration;

/// What a reconnecting browser was sent, in order: (event name, its data as JSON).
pub type Events = Vec<crate::live_events::Event>;

/// What the check saw.
#[derive(Debug)]
pub struct Reconnected {
    /// Reconnecting after the candidate's answer while its reply is committed but not yet
    /// announced.
    pub held: Events,
    /// The same reconnect after the server was killed there and started again.
    pub restarted: Events,
    /// How many messages the transcript holds at the end (greeting, answer, question: 3).
    pub stored: usize,
}

impl Reconnected {
    /// Whether the browser is sent the draft before the reply it drafted, and after a restart
    /// the reply once and no draft.
    pub fn in_order(&self) -> bool {
        let names =
            |events: &Events| -> Vec<String> { events.iter().map(|(n, _)| n.clone()).collect() };
        let reply = |events: &Events| {
            events.last().is_some_and(|(name, data)| {
                name == "message" && data["seq"] == 3 && data["author"] == "interviewer"
            })
        };
        let draft_text = self
            .held
            .first()
            .and_then(|(_, data)| data["text"].as_str())
            .unwrap_or_default();
        names(&self.held) == ["draft", "message"]
            && !draft_text.trim().is_empty()
            && reply(&self.held)
            && names(&self.restarted) == ["message"]
            && reply(&self.restarted)
            && self.stored == 3
    }
}

/// Runs the check with `exe` (this bench's binary) as the server, on a throwaway SQLite file,
/// with the models under `models`.
pub async fn run(
    exe: std::path::PathBuf,
    models: std::path::PathBuf,
) -> anyhow::Result<Reconnected> {
    let dir = std::env::temp_dir().join(format!("rehearse-reconnect-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let port = super::free_port()?;
    let base = format!("http://127.0.0.1:{port}");
    let server = ServerProcess {
        exe,
        dir: dir.clone(),
        db_url: format!("sqlite://{}", dir.join("reconnect.db").display()),
        port,
        models,
        env: Vec::new(),
    };
    let result = check(&server, &base).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn check(server: &ServerProcess, base: &str) -> anyhow::Result<Reconnected> {
    let (mut armed, mut lines) = server.start_armed(BETWEEN_REPLY_AND_PHASE).await?;
    let client = signed_in(base, "reconnect@rehearse.local").await?;
    let id = start_interview(&client, base).await?;
    let sent = client
        .post(format!("{base}/api/send_message"))
        .header("accept", "application/json")
        .form(&[
            ("id", id.as_str()),
            ("text", "Ready."),
            ("key", "reconnect-1"),
        ])
        .send()
        .await?;
    anyhow::ensure!(sent.status().is_success(), "send: {}", sent.status());
    // The server says when the turn is there; the limit only ends a run that never gets there.
    let reached = super::announced(&mut lines, Duration::from_secs(600)).await;
    anyhow::ensure!(reached, "the turn never reached {BETWEEN_REPLY_AND_PHASE}");
    let held = reconnect(&client, base, &id).await?;
    armed.kill().await.context("SIGKILL")?;

    let mut child = server.start(None).await?;
    // The interrupted turn runs again (it finds its reply stored and moves the phase); the
    // check reads the transcript once no turn is left to run.
    super::wait_for_idle(&server.db_url).await;
    let restarted = reconnect(&client, base, &id).await?;
    let stored = super::messages(&client, base, &id).await?.len();
    child.kill().await.ok();
    Ok(Reconnected {
        held,
        restarted,
        stored,
    })
}

/// Opens the interview's live stream as a browser that has seen up to the candidate's answer
/// (`Last-Event-ID: 2`) and reads until the interviewer's reply (sequence 3) arrives.
async fn reconnect(client: &reqwest::Client, base: &str, id: &str) -> anyhow::Result<Events> {
    let response = client
        .get(format!("{base}/interviews/{id}/events"))
        .header("last-event-id", "2")
        .send()
        .await?;
    anyhow::ensure!(
        response.status().is_success(),
        "live stream: {}",
        response.status()
    );
    let (events, replied) =
        crate::live_events::read_until(response, Duration::from_secs(120), |(name, data)| {
            name == "message" && data["seq"] == 3
        })
        .await?;
    anyhow::ensure!(
        replied,
        "the reply never arrived on the stream; it sent {events:?}"
    );
    Ok(events)
}
