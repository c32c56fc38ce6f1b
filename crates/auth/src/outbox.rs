//! Account mail through the durable job table: a `send_mail` job per mail, queued in the same
//! transaction as the change that calls for it (a new account with its confirmation mail), and
//! sent by one worker beside the server.
//!
//! A job names what happened (an account to confirm, a reset asked for an address), never a
//! link: the link's secret is made when the mail is composed and only its digest is stored, so
//! no working link sits in the job table (which admins can read on `/admin/jobs`). A retried
//! job makes a new link; older ones still work until they expire.
//!
//! Flood limits: a confirmation or reset link is mailed to an account at most once per
//! `resend_secs` (checked against the stored links, so across processes; a retry of a failed
//! send is exempt), a sign-up notice at most once per `resend_secs` per account (remembered in
//! this process), and equal jobs are deduplicated while pending.

mod compose;

use crate::mail::{MailError, Mailer};
use rehearse_db::{CredentialRepo, Db, DbError, Job, JobPayload, JobQueue, UserRepo};
use rehearse_settings::MailSettings;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// The `jobs.kind` of account mail.
pub const SEND_MAIL: &str = "send_mail";

/// A claimed mail job is reserved this long: more than a send's timeout, so a live send is
/// never taken over by another worker.
const LEASE_MS: i64 = 5 * 60 * 1000;
/// How often the worker looks for jobs nobody woke it for (retries, other processes).
const POLL: Duration = Duration::from_secs(2);
/// Spent and expired links are kept this long (for support questions), then deleted.
const KEEP_STALE_LINKS_MS: i64 = 24 * 60 * 60 * 1000;

/// What happened that an account's address must hear about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mail", rename_all = "snake_case")]
pub enum MailJob {
    /// A new local account: mail a link that confirms its address.
    VerifyEmail { user_id: String },
    /// Someone asked to reset the password of this address. It may have no account: the
    /// request was answered the same either way, and only the worker looks.
    PasswordReset { email: String },
    /// Someone tried to sign up with the address of an existing account.
    SignUpTaken { user_id: String },
    /// The account's password was changed or reset (its sessions were ended).
    PasswordChanged { user_id: String },
}

impl JobPayload for MailJob {
    const KIND: &'static str = SEND_MAIL;
    fn dedup_key(&self) -> Option<String> {
        Some(match self {
            MailJob::VerifyEmail { user_id } => format!("{SEND_MAIL}:verify:{user_id}"),
            MailJob::PasswordReset { email } => format!("{SEND_MAIL}:reset:{email}"),
            MailJob::SignUpTaken { user_id } => format!("{SEND_MAIL}:taken:{user_id}"),
            MailJob::PasswordChanged { user_id } => format!("{SEND_MAIL}:changed:{user_id}"),
        })
    }
}

/// Wakes the mail worker after a transaction that queued mail commits.
#[derive(Debug, Clone, Default)]
pub struct MailWake(Arc<Notify>);

impl MailWake {
    pub fn wake(&self) {
        self.0.notify_one();
    }

    async fn wait(&self, at_most: Duration) {
        let _ = tokio::time::timeout(at_most, self.0.notified()).await;
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Mail(#[from] MailError),
}

/// Composes and sends queued account mail.
#[derive(Debug, Clone)]
pub struct Outbox {
    queue: JobQueue,
    users: UserRepo,
    links: CredentialRepo,
    mailer: Mailer,
    base_url: url::Url,
    verify_link: Duration,
    reset_link: Duration,
    resend: Duration,
    wake: MailWake,
    /// When each account was last sent a sign-up notice, in this process.
    notices: Arc<Mutex<HashMap<String, Instant>>>,
}

impl Outbox {
    /// `base_url` is where links point: the configured public URL, never a request's Host
    /// header (which a requester chooses, and would then receive the victim's link).
    pub fn new(db: &Db, mailer: Mailer, base_url: url::Url, settings: &MailSettings) -> Self {
        Outbox {
            queue: JobQueue::new(db),
            users: UserRepo::new(db),
            links: CredentialRepo::new(db),
            mailer,
            base_url,
            verify_link: Duration::from_secs(settings.verify_link_secs),
            reset_link: Duration::from_secs(settings.reset_link_secs),
            resend: Duration::from_secs(settings.resend_secs),
            wake: MailWake::default(),
            notices: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// The handle that wakes this outbox's worker.
    pub fn waker(&self) -> MailWake {
        self.wake.clone()
    }

    pub fn mailer(&self) -> &Mailer {
        &self.mailer
    }

    /// Composes and sends the oldest queued mail, if any; true if one was handled. A mail the
    /// server does not take is retried with backoff, then kept as a dead letter.
    pub async fn run_next(&self) -> Result<bool, DbError> {
        let Some(job) = self.queue.claim_leased(&[SEND_MAIL], LEASE_MS).await? else {
            return Ok(false);
        };
        match self.handle(&job).await {
            Ok(()) => self.queue.complete(&job).await?,
            Err(error) => {
                tracing::warn!(job = %job.id, attempt = job.attempts, %error, "a mail was not sent; it will be retried");
                self.queue.fail(&job, &error.to_string()).await?;
            }
        }
        Ok(true)
    }

    /// Runs the worker forever: woken when mail is queued, else every [`POLL`]. A step that
    /// panics is reported and the worker goes on (the job's lease runs out and it is retried).
    pub fn spawn_worker(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut cleaned = Instant::now();
            loop {
                let this = self.clone();
                match tokio::spawn(async move { this.run_next().await }).await {
                    Ok(Ok(true)) => continue,
                    Ok(Ok(false)) => {}
                    Ok(Err(error)) => {
                        tracing::warn!(%error, "the mail worker could not reach the database")
                    }
                    Err(_) => tracing::error!("sending a mail panicked"),
                }
                if cleaned.elapsed() > Duration::from_secs(600) {
                    cleaned = Instant::now();
                    if let Err(error) = self.links.delete_stale(KEEP_STALE_LINKS_MS).await {
                        tracing::warn!(%error, "could not delete spent links");
                    }
                    self.forget_old_notices();
                }
                self.wake.wait(POLL).await;
            }
        })
    }

    async fn handle(&self, job: &Job) -> Result<(), OutboxError> {
        let mail: MailJob = job.read()?;
        let Some(outgoing) = self.compose(&mail, job.attempts).await? else {
            return Ok(());
        };
        self.mailer.send(&outgoing).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mail_jobs_are_tagged_json_and_deduplicated_per_account() {
        let job = MailJob::VerifyEmail {
            user_id: "u1".into(),
        };
        let json = serde_json::to_string(&job).expect("json");
        assert_eq!(json, r#"{"mail":"verify_email","user_id":"u1"}"#);
        assert_eq!(serde_json::from_str::<MailJob>(&json).expect("parse"), job);
        assert_eq!(job.dedup_key().as_deref(), Some("send_mail:verify:u1"));
        assert_ne!(
            MailJob::PasswordChanged {
                user_id: "u1".into()
            }
            .dedup_key(),
            job.dedup_key()
        );
    }
}
