//! The SMTP sink: the mail server process the app sends to, and the messages it received.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// The SMTP server process and the directory it writes messages to.
pub(super) struct SmtpSink {
    _child: tokio::process::Child,
    _dir: tempfile::TempDir,
    dir: PathBuf,
    port: u16,
}

/// A received message, as the sink decoded it.
#[derive(Debug, Clone)]
pub(super) struct Mail {
    pub(super) to: Vec<String>,
    subject: String,
    pub(super) body: String,
}

impl Mail {
    /// The first link in the body that carries a `token`.
    pub(super) fn link(&self) -> String {
        self.body
            .split_whitespace()
            .find(|w| w.starts_with("http") && w.contains("token="))
            .unwrap_or_else(|| panic!("no link in {:?}", self.body))
            .to_owned()
    }

    /// The link's secret.
    pub(super) fn token(&self) -> String {
        let link = self.link();
        let (_, token) = link.split_once("token=").expect("token");
        token.to_owned()
    }

    /// The link's path and query, to request from the test app.
    pub(super) fn path(&self) -> String {
        let url = reqwest::Url::parse(&self.link()).expect("link is a URL");
        format!("{}?{}", url.path(), url.query().unwrap_or_default())
    }
}

/// The Python that has aiosmtpd: `SMTP_SINK_PYTHON`, else the venv `scripts/install-tools.sh`
/// installs it into (`$REHEARSE_CACHE_DIR/venv`, by default `~/.cache/rehearse/venv`), else
/// `python3`.
fn sink_python() -> PathBuf {
    if let Ok(python) = std::env::var("SMTP_SINK_PYTHON") {
        return PathBuf::from(python);
    }
    let home_cache = |home: String| PathBuf::from(home).join(".cache/rehearse");
    let cache = std::env::var("REHEARSE_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|_| std::env::var("HOME").map(home_cache));
    let venv = cache
        .map(|dir| dir.join("venv/bin/python"))
        .ok()
        .filter(|p| p.exists());
    venv.unwrap_or_else(|| PathBuf::from("python3"))
}

impl SmtpSink {
    /// Starts the sink on a port the system picks, and waits until it says it listens.
    pub(super) async fn start() -> SmtpSink {
        use tokio::io::AsyncBufReadExt;
        let dir = tempfile::tempdir().expect("mail dir");
        let root = rehearse_testkit::workspace_root();
        let mut child = tokio::process::Command::new(sink_python())
            .arg("-u")
            .arg(root.join("tools/smtp_sink.py"))
            .arg("--dir")
            .arg(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("python with aiosmtpd (scripts/install-tools.sh installs it)");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        let port = tokio::time::timeout(Duration::from_secs(30), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(port) = line.strip_prefix("ready ") {
                    return port.trim().parse::<u16>().ok();
                }
            }
            None
        })
        .await
        .expect("the SMTP sink neither started nor exited within 30 s")
        .expect("the SMTP sink exited before listening (is aiosmtpd installed?)");
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        SmtpSink {
            dir: dir.path().to_owned(),
            _dir: dir,
            _child: child,
            port,
        }
    }

    /// Every message received so far, oldest first.
    pub(super) fn messages(&self) -> Vec<Mail> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .expect("read mail dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|path| {
                let text = std::fs::read_to_string(path).expect("read message");
                let v: serde_json::Value = serde_json::from_str(&text).expect("message JSON");
                Mail {
                    to: v["rcpt_tos"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(|x| x.as_str().map(str::to_owned))
                                .collect()
                        })
                        .unwrap_or_default(),
                    subject: v["subject"].as_str().unwrap_or_default().to_owned(),
                    body: v["body"].as_str().unwrap_or_default().to_owned(),
                }
            })
            .collect()
    }

    /// Messages to `to` whose subject contains `subject`.
    pub(super) fn received(&self, to: &str, subject: &str) -> Vec<Mail> {
        self.messages()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t == to) && m.subject.contains(subject))
            .collect()
    }

    /// Waits for the `n`th (1-based) message to `to` whose subject contains `subject`.
    async fn wait_for_nth(&self, to: &str, subject: &str, n: usize) -> Mail {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let found = self.received(to, subject);
            if found.len() >= n {
                return found[n - 1].clone();
            }
            assert!(
                Instant::now() < deadline,
                "no mail {n} to {to} about {subject:?} within 30 s; received: {:?}",
                self.messages()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub(super) async fn wait_for(&self, to: &str, subject: &str) -> Mail {
        self.wait_for_nth(to, subject, 1).await
    }

    /// Settings that send the app's mail here.
    pub(super) fn configure(&self, s: &mut rehearse_settings::Settings) {
        s.mail.host = Some("127.0.0.1".into());
        s.mail.port = Some(self.port);
        s.mail.tls = rehearse_settings::SmtpTls::None;
        s.mail.timeout_secs = 10;
    }
}
