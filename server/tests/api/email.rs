//! Account mail against a real SMTP server process (PyPI `aiosmtpd`, run by
//! `tools/smtp_sink.py`, which writes every message it receives to a directory): confirming an
//! address by its link, once and only before it expires; a sign-up with a taken address that
//! answers like a new one and mails the owner; a forgotten password reset by link, which ends
//! every session; a password change that needs the current password and ends the other
//! sessions; and the rule that an unconfirmed account cannot be made staff.
//!
//! Longer than 400 lines on purpose: every mail flow against the real SMTP sink shares its start-up; split by scenario, each file would repeat them.

use crate::support::{html, json, Backend, Client, TestApp, PASSWORD};
use rehearse_testkit::both_backends;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

const NEW_PASSWORD: &str = "quartz meadow lantern 4821";

/// The SMTP server process and the directory it writes messages to.
struct SmtpSink {
    _child: tokio::process::Child,
    _dir: tempfile::TempDir,
    dir: PathBuf,
    port: u16,
}

/// A received message, as the sink decoded it.
#[derive(Debug, Clone)]
struct Mail {
    to: Vec<String>,
    subject: String,
    body: String,
}

impl Mail {
    /// The first link in the body that carries a `token`.
    fn link(&self) -> String {
        self.body
            .split_whitespace()
            .find(|w| w.starts_with("http") && w.contains("token="))
            .unwrap_or_else(|| panic!("no link in {:?}", self.body))
            .to_owned()
    }

    /// The link's secret.
    fn token(&self) -> String {
        let link = self.link();
        let (_, token) = link.split_once("token=").expect("token");
        token.to_owned()
    }

    /// The link's path and query, to request from the test app.
    fn path(&self) -> String {
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
    async fn start() -> SmtpSink {
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
    fn messages(&self) -> Vec<Mail> {
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
    fn received(&self, to: &str, subject: &str) -> Vec<Mail> {
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

    async fn wait_for(&self, to: &str, subject: &str) -> Mail {
        self.wait_for_nth(to, subject, 1).await
    }

    /// Settings that send the app's mail here.
    fn configure(&self, s: &mut rehearse_settings::Settings) {
        s.mail.host = Some("127.0.0.1".into());
        s.mail.port = Some(self.port);
        s.mail.tls = rehearse_settings::SmtpTls::None;
        s.mail.timeout_secs = 10;
    }
}

const CONFIRM: &str = "Confirm your email address";
const RESET: &str = "Reset your Rehearse password";
const TAKEN: &str = "Someone tried to sign up";
const CHANGED: &str = "password was changed";

async fn app_with_sink(
    backend: Backend,
    configure: impl FnOnce(&mut rehearse_settings::Settings),
) -> (TestApp, SmtpSink) {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(backend, |s| {
        sink.configure(s);
        configure(s);
    })
    .await;
    (app, sink)
}

async fn whoami(client: &Client) -> serde_json::Value {
    let text = client
        .server_fn("whoami", &[])
        .await
        .text()
        .await
        .expect("body");
    serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
}

async fn confirm(client: &Client, token: &str, password: &str) -> reqwest::Response {
    client
        .post_form("/auth/verify", &[("token", token), ("password", password)])
        .await
}

async fn sign_up_mails_a_link_that_confirms_the_address_once(backend: Backend) {
    let (app, sink) = app_with_sink(backend, |_| {}).await;
    let client = app.client();
    let response = client.sign_up("ann@example.com", PASSWORD).await;
    assert_eq!(response.status(), 202);
    assert!(whoami(&client).await.is_null(), "sign-up signs nobody in");

    let mail = sink.wait_for("ann@example.com", CONFIRM).await;
    assert!(mail.link().starts_with(&app.url("/verify-email?token=")));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE email_verified = 1")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM account_tokens").await,
        1,
        "one link stored"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM account_tokens WHERE token_hash = '{}'",
            mail.token()
        ))
        .await,
        0,
        "only a digest of the secret is stored"
    );

    // The link opens a page with the confirmation form.
    let browser = app.browser();
    let page = browser.get(&mail.path()).await;
    assert_eq!(page.status(), 200);
    let page = html(page).await;
    assert!(
        page.contains(&mail.token()),
        "the form carries the link's secret"
    );

    // Whoever holds the link must also know the account's password.
    let wrong = confirm(&client, &mail.token(), "not the password at all").await;
    assert_eq!(wrong.status(), 401);
    assert!(whoami(&client).await.is_null());

    let ok = confirm(&client, &mail.token(), PASSWORD).await;
    assert_eq!(ok.status(), 200);
    assert_eq!(json(ok).await["email_verified"], true);
    let me = whoami(&client).await;
    assert_eq!(me["email"], "ann@example.com", "confirming signs in");
    assert_eq!(me["email_verified"], true);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE email_verified = 1")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE kind = 'email_verified'")
            .await,
        1
    );

    // Used once, the link is spent.
    let again = confirm(&app.client(), &mail.token(), PASSWORD).await;
    assert_eq!(again.status(), 400);
    assert!(json(again).await["message"]
        .as_str()
        .unwrap_or_default()
        .contains("expired or was already used"));
    // A made-up secret is refused the same way.
    let forged = confirm(&app.client(), &"ab".repeat(32), PASSWORD).await;
    assert_eq!(forged.status(), 400);
    // A browser is sent back to the page, which says why.
    let refused = browser
        .post_form(
            "/auth/verify",
            &[("token", &mail.token()), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(refused.status(), 303);
    let back = refused.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    assert!(back.starts_with("/verify-email?token="), "{back}");
    assert!(html(browser.get(&back).await)
        .await
        .contains("expired or was already used"));
}
both_backends!(sign_up_mails_a_link_that_confirms_the_address_once);

async fn expired_links_are_refused(backend: Backend) {
    let (app, sink) = app_with_sink(backend, |s| {
        s.mail.verify_link_secs = 1;
        s.mail.reset_link_secs = 1;
    })
    .await;
    let client = app.client();
    assert_eq!(
        client.sign_up("bo@example.com", PASSWORD).await.status(),
        202
    );
    let confirm_mail = sink.wait_for("bo@example.com", CONFIRM).await;
    assert_eq!(
        client
            .post_form("/auth/forgot", &[("email", "bo@example.com")])
            .await
            .status(),
        202
    );
    let reset_mail = sink.wait_for("bo@example.com", RESET).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let late = confirm(&client, &confirm_mail.token(), PASSWORD).await;
    assert_eq!(late.status(), 400);
    let late = client
        .post_form(
            "/auth/reset",
            &[("token", &reset_mail.token()), ("password", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(late.status(), 400);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE email_verified = 1")
            .await,
        0
    );
    assert_eq!(
        app.client()
            .sign_in("bo@example.com", PASSWORD)
            .await
            .status(),
        200,
        "the password is unchanged"
    );
}
both_backends!(expired_links_are_refused);

async fn a_taken_address_answers_like_a_new_one_and_its_owner_is_told(backend: Backend) {
    let (app, sink) = app_with_sink(backend, |_| {}).await;
    let first = app.client().sign_up("bea@example.com", PASSWORD).await;
    assert_eq!(first.status(), 202);
    let first = json(first).await;
    sink.wait_for("bea@example.com", CONFIRM).await;

    // Someone else tries the same address, with a password of their own.
    let second = app.client().sign_up("Bea@Example.com", NEW_PASSWORD).await;
    assert_eq!(second.status(), 202);
    assert_eq!(json(second).await, first, "the same answer");
    let fresh = app.client().sign_up("cai@example.com", PASSWORD).await;
    assert_eq!(json(fresh).await, first, "the same answer as a new address");

    // In a browser too: the same page.
    let browser = app.browser();
    let taken = browser.sign_up("bea@example.com", NEW_PASSWORD).await;
    let new = app.browser().sign_up("dee@example.com", PASSWORD).await;
    assert_eq!(taken.status(), 303);
    assert_eq!(taken.status(), new.status());
    assert_eq!(taken.headers()["location"], new.headers()["location"]);

    // The owner hears about it; the link in the notice is to the reset page, not a secret.
    let notice = sink.wait_for("bea@example.com", TAKEN).await;
    assert!(notice.body.contains(&app.url("/forgot-password")));
    assert!(!notice.body.contains("token="));
    // The repeat within the resend interval is not mailed again.
    sink.wait_for("dee@example.com", CONFIRM).await;
    assert_eq!(sink.received("bea@example.com", TAKEN).len(), 1);
    assert_eq!(sink.received("bea@example.com", CONFIRM).len(), 1);

    // Nothing about the account changed: its password is the owner's.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE email = 'bea@example.com'")
            .await,
        1
    );
    assert_eq!(
        app.client()
            .sign_in("bea@example.com", NEW_PASSWORD)
            .await
            .status(),
        401
    );
    assert_eq!(
        app.client()
            .sign_in("bea@example.com", PASSWORD)
            .await
            .status(),
        200
    );
}
both_backends!(a_taken_address_answers_like_a_new_one_and_its_owner_is_told);

async fn a_forgotten_password_is_reset_once_and_every_session_ends(backend: Backend) {
    let (app, sink) = app_with_sink(backend, |_| {}).await;
    let laptop = app.signed_up("cleo@example.com").await;
    let phone = app.client();
    assert_eq!(
        phone.sign_in("cleo@example.com", PASSWORD).await.status(),
        200
    );

    // Known and unknown addresses get the same answer.
    let visitor = app.client();
    let known = visitor
        .post_form("/auth/forgot", &[("email", "cleo@example.com")])
        .await;
    let unknown = visitor
        .post_form("/auth/forgot", &[("email", "nobody@example.com")])
        .await;
    assert_eq!(known.status(), 202);
    assert_eq!(unknown.status(), 202);
    assert_eq!(json(known).await, json(unknown).await);
    let malformed = visitor
        .post_form("/auth/forgot", &[("email", "not-an-address")])
        .await;
    assert_eq!(malformed.status(), 422);
    let sent_page = app
        .browser()
        .post_form("/auth/forgot", &[("email", "nobody@example.com")])
        .await;
    assert_eq!(sent_page.headers()["location"], "/forgot-password?sent=1");

    let mail = sink.wait_for("cleo@example.com", RESET).await;
    assert!(mail.link().starts_with(&app.url("/reset-password?token=")));
    assert_eq!(app.browser().get(&mail.path()).await.status(), 200);

    // A password the rules refuse leaves the link unspent.
    let weak = visitor
        .post_form(
            "/auth/reset",
            &[("token", &mail.token()), ("password", "short")],
        )
        .await;
    assert_eq!(weak.status(), 422);
    let done = visitor
        .post_form(
            "/auth/reset",
            &[("token", &mail.token()), ("password", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(done.status(), 200);

    assert!(whoami(&laptop).await.is_null(), "every session ended");
    assert!(whoami(&phone).await.is_null(), "every session ended");
    assert_eq!(
        app.client()
            .sign_in("cleo@example.com", PASSWORD)
            .await
            .status(),
        401,
        "the old password no longer works"
    );
    assert_eq!(
        app.client()
            .sign_in("cleo@example.com", NEW_PASSWORD)
            .await
            .status(),
        200
    );
    let again = visitor
        .post_form(
            "/auth/reset",
            &[
                ("token", &mail.token()),
                ("password", "yet another long passphrase 7"),
            ],
        )
        .await;
    assert_eq!(again.status(), 400, "the link works once");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE kind = 'password_reset'")
            .await,
        1
    );
    sink.wait_for("cleo@example.com", CHANGED).await;
    // Nothing was mailed for the address without an account.
    assert!(sink
        .messages()
        .iter()
        .all(|m| !m.to.iter().any(|t| t == "nobody@example.com")));
}
both_backends!(a_forgotten_password_is_reset_once_and_every_session_ends);

async fn changing_the_password_needs_the_current_one_and_ends_other_sessions(backend: Backend) {
    let (app, sink) = app_with_sink(backend, |_| {}).await;
    let here = app.signed_up("dora@example.com").await;
    let elsewhere = app.client();
    assert_eq!(
        elsewhere
            .sign_in("dora@example.com", PASSWORD)
            .await
            .status(),
        200
    );

    let visitor = app
        .client()
        .post_form(
            "/auth/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(visitor.status(), 401);

    let wrong = here
        .post_form(
            "/auth/password",
            &[
                ("current_password", "not my password at all"),
                ("new_password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(wrong.status(), 422);
    assert_eq!(json(wrong).await["fields"][0]["field"], "current_password");
    let weak = here
        .post_form(
            "/auth/password",
            &[("current_password", PASSWORD), ("new_password", "short")],
        )
        .await;
    assert_eq!(weak.status(), 422);
    assert_eq!(json(weak).await["fields"][0]["field"], "new_password");
    assert!(!whoami(&elsewhere).await.is_null(), "nothing changed yet");

    let changed = here
        .post_form(
            "/auth/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(changed.status(), 200);
    assert_eq!(
        whoami(&here).await["email"],
        "dora@example.com",
        "this session goes on"
    );
    assert!(
        whoami(&elsewhere).await.is_null(),
        "the other session ended"
    );
    assert_eq!(
        app.client()
            .sign_in("dora@example.com", PASSWORD)
            .await
            .status(),
        401
    );
    assert_eq!(
        app.client()
            .sign_in("dora@example.com", NEW_PASSWORD)
            .await
            .status(),
        200
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE kind = 'password_changed'")
            .await,
        1
    );
    let notice = sink.wait_for("dora@example.com", CHANGED).await;
    assert!(notice.body.contains(&app.url("/forgot-password")));

    // The page is there for people, behind sign-in.
    assert_eq!(here.get("/account/password").await.status(), 200);
    assert_eq!(app.client().get("/account/password").await.status(), 303);
}
both_backends!(changing_the_password_needs_the_current_one_and_ends_other_sessions);

async fn an_unconfirmed_account_cannot_be_made_staff(backend: Backend) {
    let (app, sink) = app_with_sink(backend, |_| {}).await;
    let admin = app.admin().await;
    // Eve signed up and signed in with her password, but never confirmed her address.
    let eve = app.signed_up_unverified("eve@example.com").await;
    assert_eq!(eve.get("/home").await.status(), 200, "she can practise");
    let users = json(admin.server_fn("list_users", &[]).await).await;
    let eve_id = users
        .as_array()
        .and_then(|list| list.iter().find(|u| u["email"] == "eve@example.com"))
        .and_then(|u| u["id"].as_str())
        .expect("eve listed")
        .to_owned();

    for role in ["reviewer", "admin"] {
        let refused = admin
            .server_fn("change_role", &[("user_id", &eve_id), ("role", role)])
            .await;
        assert_eq!(refused.status(), 422, "{role}");
        assert!(
            refused
                .text()
                .await
                .unwrap_or_default()
                .contains("not confirmed its email address"),
            "{role}: the refusal says why"
        );
    }
    assert_eq!(
        json(eve.server_fn("whoami", &[]).await).await["role"],
        "candidate"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE kind = 'role_changed' AND detail LIKE '%reviewer%'")
            .await,
        0
    );

    // Signed in as herself, she confirms with the link alone (no password asked).
    let mail = sink.wait_for("eve@example.com", CONFIRM).await;
    let confirmed = eve
        .post_form("/auth/verify", &[("token", &mail.token())])
        .await;
    assert_eq!(confirmed.status(), 200);
    let promoted = admin
        .server_fn("change_role", &[("user_id", &eve_id), ("role", "reviewer")])
        .await;
    assert_eq!(promoted.status(), 200);
    assert_eq!(
        json(eve.server_fn("whoami", &[]).await).await["role"],
        "reviewer"
    );

    // `server promote` is an operator's act on the machine: it vouches for the address.
    app.signed_up_unverified("finn@example.com").await;
    app.promote("finn@example.com").await;
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM users WHERE email = 'finn@example.com' \
             AND role = 'admin' AND email_verified = 1"
        )
        .await,
        1
    );
}
both_backends!(an_unconfirmed_account_cannot_be_made_staff);
