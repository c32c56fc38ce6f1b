//! A real OpenAI-compatible server process: llama.cpp's own server (through the PyPI wheel
//! `xllamacpp`, started by `scripts/openai-server.sh`) on the SmolLM2 GGUF that
//! `scripts/fetch-models.sh` unpacks, with the ChatML template that understands `tools`. Each
//! test gets its own process on a free port; it is killed when dropped.

use crate::{free_port, workspace_root};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The model id the server reports.
pub const LLAMA_MODEL_ID: &str = "smollm2";

/// A running server; killed when dropped.
pub struct LlamaServer {
    child: Child,
    /// `http://127.0.0.1:<port>/v1`.
    pub base: String,
}

impl Drop for LlamaServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether `GET /v1/models` answers 200 on `port`.
fn ready(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if s.write_all(b"GET /v1/models HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut head = [0u8; 12];
    s.read_exact(&mut head).is_ok() && head.ends_with(b"200")
}

impl LlamaServer {
    /// Starts the server and waits (up to a minute) until it serves. Blocking: call it from
    /// `spawn_blocking` in async tests.
    pub fn start() -> LlamaServer {
        let root = workspace_root();
        let gguf = crate::smollm2_gguf();
        assert!(
            gguf.exists(),
            "{} is missing: run scripts/fetch-models.sh (scripts/test.sh does)",
            gguf.display()
        );
        let port = free_port();
        let mut child = Command::new("bash")
            .arg(root.join("scripts/openai-server.sh"))
            .arg(port.to_string())
            .arg(&gguf)
            .arg(LLAMA_MODEL_ID)
            .env(
                "REHEARSE_LLM_CHAT_TEMPLATE",
                root.join("scripts/chatml-tools.jinja"),
            )
            .current_dir(&root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start scripts/openai-server.sh");
        for _ in 0..600 {
            if ready(port) {
                return LlamaServer {
                    child,
                    base: format!("http://127.0.0.1:{port}/v1"),
                };
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("the llama.cpp server exited before serving: {status}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = child.kill();
        panic!("the llama.cpp server did not come up on port {port}");
    }
}
