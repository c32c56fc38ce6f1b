//! A real SurrealDB server process (tools/surreal-server: the published `surrealdb-server`
//! library with in-memory storage) for tests of the remote chunk store. Each test gets its own
//! process, so tests never share rows, and its own root password, so a test can never sign in
//! to another test's server by accident.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A running server; killed when dropped.
pub struct SurrealServer {
    child: Child,
    /// `ws://127.0.0.1:<port>`.
    pub url: String,
    pub username: String,
    pub password: String,
}

impl Drop for SurrealServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where `scripts/test.sh` builds the server: `SURREAL_SERVER_BIN`, else the shared cargo
/// target directory's debug build.
fn binary() -> PathBuf {
    if let Ok(path) = std::env::var("SURREAL_SERVER_BIN") {
        return PathBuf::from(path);
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/rehearse/target")
        });
    target.join("debug/rehearse-surreal-server")
}

impl SurrealServer {
    /// Starts a server and waits until it reports that it serves. Panics with the way to build
    /// the binary when it is missing: a test of the remote store never passes without one.
    pub fn start() -> SurrealServer {
        let binary = binary();
        assert!(
            binary.exists(),
            "{} is missing: build it with `cargo build --manifest-path tools/surreal-server/Cargo.toml` \
             (bash scripts/test.sh does), or point SURREAL_SERVER_BIN at it",
            binary.display()
        );
        for _ in 0..5 {
            if let Some(server) = Self::try_start(&binary) {
                return server;
            }
        }
        panic!("the SurrealDB server could not bind a free port in 5 tries");
    }

    /// `None` when the process exited before serving (its port was taken meanwhile).
    fn try_start(binary: &std::path::Path) -> Option<SurrealServer> {
        let port = crate::free_port();
        let password = format!("test-{}", uuid::Uuid::new_v4().simple());
        let mut child = Command::new(binary)
            .args(["start", "--no-banner", "--log", "info", "--bind"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["--user", "root", "--pass"])
            .arg(&password)
            .arg("memory")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{}: {e}", binary.display()));
        // Both streams are read to the end on their own threads, so the server never blocks on a
        // full pipe; the last lines are kept for the failure message.
        let log = Arc::new(Mutex::new(Vec::<String>::new()));
        for stream in [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn Read + Send>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let mut log = log.lock().unwrap_or_else(|e| e.into_inner());
                    if log.len() == 50 {
                        log.remove(0);
                    }
                    log.push(line);
                }
            });
        }
        let tail = || log.lock().unwrap_or_else(|e| e.into_inner()).join("\n");
        // A probe of the port could reach another test's server that took the port meanwhile;
        // only a sign-in with this server's own password proves that this process serves there.
        for _ in 0..1200 {
            if signs_in(port, &password) {
                return Some(SurrealServer {
                    child,
                    url: format!("ws://127.0.0.1:{port}"),
                    username: "root".into(),
                    password,
                });
            }
            if child.try_wait().ok().flatten().is_some() {
                eprintln!("the SurrealDB server exited early:\n{}", tail());
                return None;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = child.kill();
        panic!(
            "the SurrealDB server did not accept its root sign-in within 120 s:\n{}",
            tail()
        );
    }
}

/// `POST /signin` as root; true on a 200.
fn signs_in(port: u16, password: &str) -> bool {
    use std::io::Write;
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let body = format!(r#"{{"user":"root","pass":"{password}"}}"#);
    let request = format!(
        "POST /signin HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/plain\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut status = String::new();
    let _ = BufReader::new(stream).read_line(&mut status);
    status.starts_with("HTTP/1.1 200")
}
