//! The fault-injecting model provider (`tools/fault_upstream.py`): a real process speaking the
//! OpenAI-compatible wire format, whose behaviour is chosen by the model name of each request
//! (`ok`, `http500`, `http429`, `hang`, `cut`, `slow`, `flaky`). The resilience tests of the
//! gateway and the server's own tests of a failing provider start one each.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};

/// A running upstream; killed when dropped.
pub struct FaultUpstream {
    child: Child,
    /// Kept open: the process writes to it.
    _stdout: BufReader<ChildStdout>,
    /// `http://127.0.0.1:<port>` (the OpenAI-compatible base URL is this plus `/v1`).
    pub origin: String,
}

impl Drop for FaultUpstream {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl FaultUpstream {
    /// Starts the upstream on a port of its choosing and waits for the `PORT <n>` line it
    /// prints first.
    pub fn start() -> FaultUpstream {
        let mut child = Command::new("python3")
            .arg(crate::workspace_root().join("tools/fault_upstream.py"))
            .args(["--port", "0", "--exit-with-parent"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start python3 tools/fault_upstream.py");
        let mut stdout = BufReader::new(child.stdout.take().expect("its stdout"));
        let mut first = String::new();
        stdout
            .read_line(&mut first)
            .expect("read the fault upstream's first line");
        let port: u16 = first
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("expected `PORT <n>`, got {first:?}"));
        FaultUpstream {
            child,
            _stdout: stdout,
            origin: format!("http://127.0.0.1:{port}"),
        }
    }
}
