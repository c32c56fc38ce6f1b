//! What each account mail says and the link it carries: composing a queued job into a mail,
//! issuing the single-use link (only its digest is stored), and the flood limits that skip a
//! mail sent moments ago. Kept apart from the queue and worker so the wording and the link
//! rules can be read without the delivery machinery.

use super::{MailJob, Outbox};
use crate::links;
use crate::mail::Outgoing;
use rehearse_db::{DbError, LinkOwner, LinkPurpose, User};
use std::time::{Duration, Instant};

impl Outbox {
    /// The mail for a job, or None when there is nothing to send (no such account any more,
    /// already confirmed, or a link of that kind was mailed moments ago).
    pub(super) async fn compose(
        &self,
        job: &MailJob,
        attempt: i64,
    ) -> Result<Option<Outgoing>, DbError> {
        match job {
            MailJob::VerifyEmail { user_id } => {
                let Some(user) = self.users.by_id(user_id).await? else {
                    return Ok(None);
                };
                if user.email_verified
                    || (attempt <= 1
                        && self
                            .recently_linked(&user, LinkPurpose::VerifyEmail)
                            .await?)
                {
                    return Ok(None);
                }
                let link = self
                    .link(
                        &user,
                        LinkPurpose::VerifyEmail,
                        "verify-email",
                        self.verify_link,
                    )
                    .await?;
                Ok(Some(Outgoing {
                    to: user.email,
                    subject: "Confirm your email address for Rehearse".into(),
                    body: format!(
                        "Someone, we hope you, signed up for Rehearse with this address.\n\n\
                         To confirm it, open this link and enter the password you chose:\n\n\
                         {link}\n\n\
                         The link works once and for {}. If you did not sign up, ignore this \
                         mail: nobody can confirm this address without it.\n",
                        human(self.verify_link)
                    ),
                }))
            }
            MailJob::PasswordReset { email } => {
                let Some(user) = self.users.by_email(email).await? else {
                    tracing::debug!("a password reset was asked for an address with no account");
                    return Ok(None);
                };
                // A retry must send even though its first attempt already made a link.
                if attempt <= 1
                    && self
                        .recently_linked(&user, LinkPurpose::ResetPassword)
                        .await?
                {
                    return Ok(None);
                }
                let link = self
                    .link(
                        &user,
                        LinkPurpose::ResetPassword,
                        "reset-password",
                        self.reset_link,
                    )
                    .await?;
                Ok(Some(Outgoing {
                    to: user.email,
                    subject: "Reset your Rehearse password".into(),
                    body: format!(
                        "Someone asked to reset the password of the Rehearse account with this \
                         address. To choose a new password, open this link:\n\n\
                         {link}\n\n\
                         The link works once and for {}. Using it signs the account out \
                         everywhere. If you did not ask, ignore this mail: your password stays \
                         as it is.\n",
                        human(self.reset_link)
                    ),
                }))
            }
            MailJob::SignUpTaken { user_id } => {
                let Some(user) = self.users.by_id(user_id).await? else {
                    return Ok(None);
                };
                if attempt <= 1 && !self.note_notice(&user.id) {
                    return Ok(None);
                }
                Ok(Some(Outgoing {
                    to: user.email,
                    subject: "Someone tried to sign up with your address".into(),
                    body: format!(
                        "Someone tried to create a Rehearse account with this address, which \
                         already has one. Nothing about your account changed.\n\n\
                         If it was you, sign in at {}\n\
                         or, if you forgot your password, reset it at {}\n\n\
                         If it was not you, you need not do anything.\n",
                        self.page("login"),
                        self.page("forgot-password")
                    ),
                }))
            }
            MailJob::PasswordChanged { user_id } => {
                let Some(user) = self.users.by_id(user_id).await? else {
                    return Ok(None);
                };
                Ok(Some(Outgoing {
                    to: user.email,
                    subject: "Your Rehearse password was changed".into(),
                    body: format!(
                        "The password of your Rehearse account was just changed, and the \
                         account was signed out everywhere else.\n\n\
                         If this was not you, reset your password at once at {}\n",
                        self.page("forgot-password")
                    ),
                }))
            }
        }
    }

    /// Makes and stores a new link of `purpose` for `user`; returns its URL.
    async fn link(
        &self,
        user: &User,
        purpose: LinkPurpose,
        page: &str,
        lifetime: Duration,
    ) -> Result<String, DbError> {
        let secret = links::new_secret();
        let owner = LinkOwner {
            user_id: user.id.clone(),
            email: user.email.clone(),
        };
        let lifetime_ms = i64::try_from(lifetime.as_millis()).unwrap_or(i64::MAX);
        self.links
            .issue(&links::digest(&secret), &owner, purpose, lifetime_ms)
            .await?;
        let mut url = self.base_url.clone();
        url.set_path(&format!("/{page}"));
        url.set_query(Some(&format!("token={secret}")));
        Ok(url.to_string())
    }

    fn page(&self, page: &str) -> String {
        let mut url = self.base_url.clone();
        url.set_path(&format!("/{page}"));
        url.set_query(None);
        url.to_string()
    }

    async fn recently_linked(&self, user: &User, purpose: LinkPurpose) -> Result<bool, DbError> {
        let Some(at) = self.links.last_issued(&user.id, purpose).await? else {
            return Ok(false);
        };
        let resend_ms = i64::try_from(self.resend.as_millis()).unwrap_or(i64::MAX);
        Ok(rehearse_db::now_ms().saturating_sub(at) < resend_ms)
    }

    /// Records a sign-up notice to `user_id`; false if one went out within `resend`.
    fn note_notice(&self, user_id: &str) -> bool {
        let Ok(mut notices) = self.notices.lock() else {
            return true;
        };
        let now = Instant::now();
        match notices.get(user_id) {
            Some(at) if now.duration_since(*at) < self.resend => false,
            _ => {
                notices.insert(user_id.to_owned(), now);
                true
            }
        }
    }

    pub(super) fn forget_old_notices(&self) {
        if let Ok(mut notices) = self.notices.lock() {
            let resend = self.resend;
            notices.retain(|_, at| at.elapsed() < resend);
        }
    }
}

/// "48 hours", "1 hour", "15 minutes", "30 seconds": for link lifetimes in mail text.
fn human(d: Duration) -> String {
    let secs = d.as_secs();
    let (n, unit) = if secs >= 7200 && secs.is_multiple_of(3600) {
        (secs / 3600, "hours")
    } else if secs == 3600 {
        (1, "hour")
    } else if secs >= 120 {
        (secs / 60, "minutes")
    } else {
        (secs, "seconds")
    };
    if n == 1 {
        format!("1 {}", unit.trim_end_matches('s'))
    } else {
        format!("{n} {unit}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_read_naturally() {
        assert_eq!(human(Duration::from_secs(48 * 3600)), "48 hours");
        assert_eq!(human(Duration::from_secs(3600)), "1 hour");
        assert_eq!(human(Duration::from_secs(900)), "15 minutes");
        assert_eq!(human(Duration::from_secs(1)), "1 second");
        assert_eq!(human(Duration::from_secs(30)), "30 seconds");
    }
}
