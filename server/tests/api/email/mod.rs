//! Account mail against a real SMTP server process (PyPI `aiosmtpd`, run by
//! `tools/smtp_sink.py`, which writes every message it receives to a directory): confirming an
//! address by its link, once and only before it expires; a sign-up with a taken address that
//! answers like a new one and mails the owner; a forgotten password reset by link, which ends
//! every session; a password change that needs the current password and ends the other
//! sessions; and the rule that an unconfirmed account cannot be made staff.

use crate::support::{Backend, Client, TestApp};
use sink::SmtpSink;

mod confirmation;
mod passwords;
mod sink;

const NEW_PASSWORD: &str = "quartz meadow lantern 4821";

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
    let text = client.server_fn_text("whoami", &[]).await;
    serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
}

async fn confirm(client: &Client, token: &str, password: &str) -> reqwest::Response {
    client
        .post_form("/auth/verify", &[("token", token), ("password", password)])
        .await
}

/// Sets a new password with the secret of a reset link.
async fn reset(client: &Client, token: &str, password: &str) -> reqwest::Response {
    client
        .post_form("/auth/reset", &[("token", token), ("password", password)])
        .await
}

/// Changes the signed-in account's password from `current` to `new`.
async fn change_password(client: &Client, current: &str, new: &str) -> reqwest::Response {
    client
        .post_form(
            "/auth/password",
            &[("current_password", current), ("new_password", new)],
        )
        .await
}
