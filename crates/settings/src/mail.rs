//! Outgoing mail (`REHEARSE_MAIL__*`): the SMTP server, the sender, and how long mailed links
//! stay valid. Without `host`, nothing is sent: each mail (with its link) is written to the
//! server log instead, which is for development only.

use secrecy::SecretString;
use serde::Deserialize;

/// How the connection to the SMTP server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// TLS from the first byte (SMTPS, port 465 by default).
    Tls,
    /// A plain connection upgraded with STARTTLS; refused if the server does not offer it, so
    /// nothing is ever sent in clear (port 587 by default). The default.
    #[default]
    Starttls,
    /// No encryption at all (port 25 by default): only for a relay on the same machine or a
    /// test server.
    None,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    /// The SMTP server's host name; unset: mails go to the log.
    #[serde(default)]
    pub host: Option<String>,
    /// Defaults to 465 (`tls`), 587 (`starttls`) or 25 (`none`).
    #[serde(default)]
    pub port: Option<u16>,
    /// `tls`, `starttls` (default) or `none`.
    #[serde(default)]
    pub tls: SmtpTls,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<SecretString>,
    /// The sender, as `Name <address>` or a bare address.
    #[serde(default = "default_from")]
    pub from: String,
    /// How long an address-confirmation link works.
    #[serde(default = "default_verify_link_secs")]
    pub verify_link_secs: u64,
    /// How long a password-reset link works.
    #[serde(default = "default_reset_link_secs")]
    pub reset_link_secs: u64,
    /// At most one link of each kind is mailed to an account per this many seconds, however
    /// often one is asked for (a flood of requests must not become a flood of mail).
    #[serde(default = "default_resend_secs")]
    pub resend_secs: u64,
    /// A mail not handed to the SMTP server within this long counts as failed (and is retried).
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
}

fn default_from() -> String {
    "Rehearse <no-reply@rehearse.localhost>".into()
}
fn default_verify_link_secs() -> u64 {
    48 * 3600
}
fn default_reset_link_secs() -> u64 {
    3600
}
fn default_resend_secs() -> u64 {
    60
}
fn default_timeout_secs() -> u64 {
    30
}

impl Default for MailSettings {
    fn default() -> Self {
        MailSettings {
            host: None,
            port: None,
            tls: SmtpTls::default(),
            username: None,
            password: None,
            from: default_from(),
            verify_link_secs: default_verify_link_secs(),
            reset_link_secs: default_reset_link_secs(),
            resend_secs: default_resend_secs(),
            timeout_secs: default_timeout_secs(),
        }
    }
}

impl MailSettings {
    /// The port to connect to: the configured one, else the usual one for the TLS mode.
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.tls {
            SmtpTls::Tls => 465,
            SmtpTls::Starttls => 587,
            SmtpTls::None => 25,
        })
    }

    pub(crate) fn validate(&self) -> Result<(), (&'static str, String)> {
        if self.host.as_deref().is_some_and(|h| h.trim().is_empty()) {
            return Err((
                "host",
                "must not be empty (leave it unset to log mail)".into(),
            ));
        }
        if self.port == Some(0) {
            return Err(("port", "must be a port number from 1 to 65535".into()));
        }
        if self.username.is_some() != self.password.is_some() {
            return Err((
                "username",
                "give both REHEARSE_MAIL__USERNAME and REHEARSE_MAIL__PASSWORD, or neither".into(),
            ));
        }
        if !self.from.contains('@') {
            return Err((
                "from",
                "must be an address, like Rehearse <no-reply@example.com>".into(),
            ));
        }
        if self.verify_link_secs == 0 {
            return Err(("verify_link_secs", "must be at least 1 second".into()));
        }
        if self.reset_link_secs == 0 {
            return Err(("reset_link_secs", "must be at least 1 second".into()));
        }
        if self.timeout_secs == 0 {
            return Err(("timeout_secs", "must be at least 1 second".into()));
        }
        Ok(())
    }
}
