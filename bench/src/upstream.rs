//! The OpenAI-compatible upstream double, `tools/fault_upstream.py` (Python standard library),
//! started as a child process for the benches and drills that need a model provider which
//! answers fast, fails on purpose or stalls: the model name picks the behaviour. Kept apart from
//! the drills so the stream bench, which needs only this and the gateway, builds without the
//! server (see `rehearse-stream-bench`).

use anyhow::Context;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The fault-injecting upstream, killed when dropped.
pub(crate) struct Upstream {
    _child: Child,
    /// `http://127.0.0.1:<port>`.
    pub(crate) origin: String,
}

impl Upstream {
    pub(crate) async fn start() -> anyhow::Result<Upstream> {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../tools/fault_upstream.py");
        let mut child = Command::new("python3")
            .arg(script)
            .args(["--port", "0", "--exit-with-parent"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .context("start tools/fault_upstream.py (python3)")?;
        let stdout = child.stdout.take().context("the upstream's output")?;
        let mut lines = BufReader::new(stdout).lines();
        let first = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .context("the upstream did not start")??
            .unwrap_or_default();
        let port = first
            .strip_prefix("PORT ")
            .and_then(|p| p.trim().parse::<u16>().ok())
            .with_context(|| format!("the upstream said {first:?}, not its port"))?;
        Ok(Upstream {
            _child: child,
            origin: format!("http://127.0.0.1:{port}"),
        })
    }

    /// What the upstream counted for `model` (faults injected, disconnects seen), or null.
    #[cfg(feature = "full")]
    pub(crate) async fn stats(&self, model: &str) -> serde_json::Value {
        let all: serde_json::Value = match reqwest::get(format!("{}/stats", self.origin)).await {
            Ok(r) => r.json().await.unwrap_or_default(),
            Err(_) => serde_json::Value::Null,
        };
        all.get(model).cloned().unwrap_or_default()
    }
}

/// The nearest-rank percentile of `values`, or `-` when there are none.
pub(crate) fn percentile(values: &[u128], p: usize) -> String {
    if values.is_empty() {
        return "-".into();
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let rank = (p * sorted.len()).div_ceil(100).clamp(1, sorted.len());
    sorted[rank - 1].to_string()
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn percentiles_by_nearest_rank() {
        assert_eq!(percentile(&[], 99), "-");
        assert_eq!(percentile(&[5], 50), "5");
        let v: Vec<u128> = (1..=100).collect();
        assert_eq!(percentile(&v, 50), "50");
        assert_eq!(percentile(&v, 99), "99");
    }
}
