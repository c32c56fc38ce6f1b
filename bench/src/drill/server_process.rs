//! The drill's server child process: how it is started (plain or armed at a kill point), with
//! which settings, and how the drill knows it is ready. Both fault drills start their server
//! this way, so it sits apart from the kill loop that only the crash drill runs.

use anyhow::Context;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub(crate) struct ServerProcess {
    pub(crate) exe: std::path::PathBuf,
    pub(crate) dir: std::path::PathBuf,
    pub(crate) db_url: String,
    pub(crate) port: u16,
    pub(crate) models: std::path::PathBuf,
    /// Settings of this drill's own (the upstream drill's provider).
    pub(crate) env: Vec<(String, String)>,
}

impl ServerProcess {
    fn command(&self) -> Command {
        let mut command = Command::new(&self.exe);
        command
            .arg("serve")
            .env("REHEARSE_DATA_DIR", &self.dir)
            .env("REHEARSE_DATABASE_URL", &self.db_url)
            .env("REHEARSE_LISTEN", format!("127.0.0.1:{}", self.port))
            .env("REHEARSE_LOGIN_ATTEMPTS_PER_IP", "100000")
            // The drill's candidates share one address and resend after every kill.
            .env("REHEARSE_LIMITS__ENABLED", "false")
            .env("REHEARSE_SIGNUP__ATTEMPTS_PER_IP", "100000")
            // Each candidate plays interviews round after round while the kills go on.
            .env("REHEARSE_QUOTAS__INTERVIEWS_PER_DAY", "100000")
            .env("REHEARSE_BUDGET__PER_INTERVIEW_USD", "1000")
            .env("REHEARSE_BUDGET__PER_USER_DAY_USD", "1000")
            .env("REHEARSE_BUDGET__GLOBAL_DAY_USD", "1000")
            .env("RUST_LOG", "error")
            .env_remove("FAULT_DRILL_POINT")
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .kill_on_drop(true)
            .stdin(Stdio::null())
            .stderr(Stdio::null());
        if std::env::var_os("REHEARSE_LLM__MODEL_PATH").is_none() {
            command.env(
                "REHEARSE_LLM__MODEL_PATH",
                self.models.join("smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"),
            );
        }
        if std::env::var_os("REHEARSE_KNOWLEDGE__MINILM_DIR").is_none() {
            command.env("REHEARSE_KNOWLEDGE__MINILM_DIR", self.models.join("minilm"));
        }
        command
    }

    pub(crate) async fn start(&self, point: Option<&str>) -> anyhow::Result<Child> {
        let mut command = self.command();
        command.stdout(Stdio::null());
        if let Some(p) = point {
            command.env("FAULT_DRILL_POINT", p);
        }
        let child = command.spawn().context("start the server")?;
        self.wait_ready().await?;
        Ok(child)
    }

    pub(super) async fn start_armed(
        &self,
        point: &str,
    ) -> anyhow::Result<(
        Child,
        tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
    )> {
        let mut command = self.command();
        command
            .env("FAULT_DRILL_POINT", point)
            .stdout(Stdio::piped());
        let mut child = command.spawn().context("start the server")?;
        let stdout = child.stdout.take().context("the server's output")?;
        self.wait_ready().await?;
        Ok((child, BufReader::new(stdout).lines()))
    }

    async fn wait_ready(&self) -> anyhow::Result<()> {
        let url = format!("http://127.0.0.1:{}/healthz", self.port);
        let deadline = Instant::now() + Duration::from_secs(120);
        while Instant::now() < deadline {
            if reqwest::get(&url)
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        anyhow::bail!("the server did not start")
    }
}

/// Whether the armed server announced its fault point within `within` (read from its output,
/// as [`ServerProcess::start_armed`] gives it).
pub(crate) async fn announced(
    lines: &mut tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
    within: Duration,
) -> bool {
    tokio::time::timeout(within, async {
        while let Ok(Some(line)) = lines.next_line().await {
            if line.starts_with("FAULT-POINT") {
                return true;
            }
        }
        false
    })
    .await
    .unwrap_or(false)
}

pub(crate) fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}
