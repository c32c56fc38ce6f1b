//! Handing one plain-text mail to the SMTP server (lettre over tokio and rustls), or, when no
//! SMTP server is configured, writing it to the server log for development.
//!
//! What to send and when is the outbox's business ([`crate::outbox`]); this module only
//! delivers. Every send is bounded by the configured timeout, so a silent server cannot hold a
//! worker.

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use rehearse_settings::{MailSettings, SmtpTls};
use secrecy::ExposeSecret;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("mail configuration: {0}")]
    Config(String),
    #[error("could not build the message: {0}")]
    Message(String),
    #[error("the SMTP server refused or failed: {0}")]
    Smtp(String),
    #[error("the SMTP server did not take the mail within {0} s")]
    Timeout(u64),
}

/// One mail to send. The body is plain text; it never carries text another person chose (a
/// display name, say), so a mail cannot be made to say what its sender wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub to: String,
    pub subject: String,
    pub body: String,
}

#[derive(Debug, Clone)]
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Log,
}

/// Delivers mail through the configured SMTP server, or to the log without one.
#[derive(Debug, Clone)]
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
    timeout: Duration,
}

impl Mailer {
    /// Builds the transport from the settings; fails at start on a sender that does not parse.
    pub fn new(settings: &MailSettings) -> Result<Mailer, MailError> {
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|e| MailError::Config(format!("REHEARSE_MAIL__FROM: {e}")))?;
        let timeout = Duration::from_secs(settings.timeout_secs);
        let transport = match settings.host.as_deref() {
            None => Transport::Log,
            Some(host) => {
                let builder = match settings.tls {
                    SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host),
                    SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host),
                    SmtpTls::None => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
                        host,
                    )),
                }
                .map_err(|e| MailError::Config(format!("REHEARSE_MAIL__HOST: {e}")))?;
                let mut builder = builder.port(settings.port()).timeout(Some(timeout));
                if let (Some(user), Some(password)) = (&settings.username, &settings.password) {
                    builder = builder.credentials(Credentials::new(
                        user.clone(),
                        password.expose_secret().to_owned(),
                    ));
                }
                Transport::Smtp(builder.build())
            }
        };
        Ok(Mailer {
            transport,
            from,
            timeout,
        })
    }

    /// True when mail only goes to the log (no SMTP server configured).
    pub fn logs_only(&self) -> bool {
        matches!(self.transport, Transport::Log)
    }

    /// Sends one mail; an error means it was not accepted by the server (the caller retries).
    pub async fn send(&self, mail: &Outgoing) -> Result<(), MailError> {
        let smtp = match &self.transport {
            Transport::Smtp(smtp) => smtp,
            Transport::Log => {
                tracing::info!(
                    to = %mail.to,
                    subject = %mail.subject,
                    body = %mail.body,
                    "mail not sent: no SMTP server is configured (REHEARSE_MAIL__HOST), so here it is"
                );
                return Ok(());
            }
        };
        let to: Mailbox = mail
            .to
            .parse()
            .map_err(|e| MailError::Message(format!("recipient: {e}")))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.clone())
            .map_err(|e| MailError::Message(e.to_string()))?;
        match tokio::time::timeout(self.timeout, smtp.send(message)).await {
            Ok(Ok(_response)) => Ok(()),
            Ok(Err(e)) => Err(MailError::Smtp(e.to_string())),
            Err(_) => Err(MailError::Timeout(self.timeout.as_secs())),
        }
    }
}
