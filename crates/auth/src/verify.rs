//! What goes through an account's mailbox: confirming the address, resetting a forgotten
//! password, telling the owner when someone signs up with their address, and changing the
//! password while signed in.
//!
//! Guarantees:
//! - A link works once and only until it expires; spending it and the change it allows commit
//!   in one transaction, with their audit event.
//! - Confirming an address needs the link and the account's password (or a session of that
//!   account): a link mailed because someone else signed up with your address cannot make you
//!   confirm an account whose password they chose.
//! - Resetting or changing a password ends every session of the account (the session epoch);
//!   a change keeps the caller's own session, a reset keeps none. Either mails the owner.
//! - A request for a reset, and a sign-up with a taken address, answer exactly as for an
//!   address with no account; what differs happens later, in the outbox worker.

use crate::outbox::{MailJob, MailWake};
use crate::policy::Actor;
use crate::throttle::{LoginThrottle, Throttled};
use crate::{email, links, password, SignUpError};
use rehearse_db::{
    AuditKind, AuditRepo, CredentialRepo, Db, DbError, JobQueue, LinkPurpose, NewAuditEvent, User,
    UserRepo,
};
use rehearse_types::FormErrors;
use secrecy::{ExposeSecret, SecretString};
use std::net::IpAddr;
use std::sync::Arc;

/// A link that is unknown, spent, expired, or mailed to an address the account no longer has.
/// One message for all: which of them it was helps nobody but an attacker.
pub const BAD_LINK: &str = "This link has expired or was already used. Ask for a new one.";

#[derive(Debug, thiserror::Error)]
pub enum ConfirmError {
    #[error("the link is unknown, spent or expired")]
    BadLink,
    #[error("wrong password")]
    WrongPassword,
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Hash(#[from] password::HashError),
}

#[derive(Debug, thiserror::Error)]
pub enum ResetError {
    #[error("the link is unknown, spent or expired")]
    BadLink,
    #[error("the form has errors")]
    Invalid(FormErrors),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Hash(#[from] password::HashError),
}

#[derive(Debug, thiserror::Error)]
pub enum ChangePasswordError {
    #[error("the form has errors")]
    Invalid(FormErrors),
    #[error("too many password attempts")]
    Throttled(Throttled),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Hash(#[from] password::HashError),
}

/// What asking for a new confirmation link did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resent {
    Queued,
    AlreadyConfirmed,
}

/// The flows above, over the relational store and the mail outbox.
#[derive(Debug, Clone)]
pub struct Verification {
    db: Db,
    users: UserRepo,
    links: CredentialRepo,
    queue: JobQueue,
    throttle: Arc<LoginThrottle>,
    wake: MailWake,
}

impl Verification {
    pub fn new(db: &Db, throttle: Arc<LoginThrottle>, wake: MailWake) -> Self {
        Verification {
            db: db.clone(),
            users: UserRepo::new(db),
            links: CredentialRepo::new(db),
            queue: JobQueue::new(db),
            throttle,
            wake,
        }
    }

    /// Wakes the mail worker, after a transaction that queued mail committed elsewhere (a new
    /// account's confirmation mail commits with the account, in [`crate::Accounts::sign_up`]).
    pub fn wake_outbox(&self) {
        self.wake.wake();
    }

    /// After [`crate::Accounts::sign_up`] found the address taken: mails its owner a notice
    /// and spends the time a new account would have (one password hash), so the requester
    /// cannot tell the two apart by the answer or its timing.
    pub async fn sign_up_taken(
        &self,
        raw_email: &str,
        password: SecretString,
    ) -> Result<(), SignUpError> {
        let _same_work_as_a_new_account = password::hash(password).await?;
        let Ok(email) = email::normalise(raw_email) else {
            return Ok(());
        };
        if let Some(user) = self.users.by_email(&email).await? {
            self.queue
                .push(&MailJob::SignUpTaken { user_id: user.id })
                .await?;
            self.wake.wake();
        }
        Ok(())
    }

    /// Confirms an account's address with a link from its mailbox. The caller proves the
    /// account is theirs too: by a session of that account (`signed_in_as`) or its password.
    pub async fn confirm_email(
        &self,
        secret: &str,
        signed_in_as: Option<&str>,
        password: SecretString,
        ip: Option<IpAddr>,
    ) -> Result<User, ConfirmError> {
        let Some((digest, user)) = self.link_owner(secret, LinkPurpose::VerifyEmail).await? else {
            return Err(ConfirmError::BadLink);
        };
        if signed_in_as != Some(user.id.as_str())
            && !password::verify(password, user.password_hash.clone()).await?
        {
            return Err(ConfirmError::WrongPassword);
        }
        let ip = ip.map(|i| i.to_string());
        let mut tx = self.db.begin_write().await?;
        CredentialRepo::spend(&mut tx, &digest, LinkPurpose::VerifyEmail)
            .await?
            .ok_or(ConfirmError::BadLink)?;
        UserRepo::mark_verified(&mut tx, &user.id).await?;
        CredentialRepo::spend_all(&mut tx, &user.id, LinkPurpose::VerifyEmail).await?;
        AuditRepo::append(
            &mut *tx,
            AuditKind::EmailVerified,
            NewAuditEvent::by_self(&user.id, &user.email, ip.as_deref(), "by mailed link"),
        )
        .await?;
        tx.commit().await.map_err(DbError::from)?;
        Ok(User {
            email_verified: true,
            ..user
        })
    }

    /// A signed-in account asks for a new confirmation link (the first one was lost or
    /// expired). The outbox sends at most one per `resend_secs`.
    pub async fn resend_confirmation(&self, actor: &Actor) -> Result<Resent, DbError> {
        let user = self
            .users
            .by_id(&actor.user_id)
            .await?
            .ok_or(DbError::NotFound)?;
        if user.email_verified {
            return Ok(Resent::AlreadyConfirmed);
        }
        self.queue
            .push(&MailJob::VerifyEmail { user_id: user.id })
            .await?;
        self.wake.wake();
        Ok(Resent::Queued)
    }

    /// Someone asks for a password reset for `raw_email`. The answer is the same whether the
    /// address has an account or not: the request is queued either way, and the worker mails
    /// a link only to an existing account.
    pub async fn request_reset(&self, raw_email: &str) -> Result<(), ResetError> {
        let email = email::normalise(raw_email)
            .map_err(|m| ResetError::Invalid(FormErrors::default().field("email", m)))?;
        self.queue.push(&MailJob::PasswordReset { email }).await?;
        self.wake.wake();
        Ok(())
    }

    /// Sets a new password with a reset link. The mailbox proved itself, so the address counts
    /// as confirmed; every session of the account ends, and the owner is told by mail.
    pub async fn reset_password(
        &self,
        secret: &str,
        new_password: SecretString,
        ip: Option<IpAddr>,
    ) -> Result<User, ResetError> {
        let Some((digest, user)) = self.link_owner(secret, LinkPurpose::ResetPassword).await?
        else {
            return Err(ResetError::BadLink);
        };
        password::check_rules(new_password.expose_secret(), &user.email)
            .map_err(|m| ResetError::Invalid(FormErrors::default().field("password", m)))?;
        let hash = password::hash(new_password).await?;
        let ip = ip.map(|i| i.to_string());
        let mut tx = self.db.begin_write().await?;
        CredentialRepo::spend(&mut tx, &digest, LinkPurpose::ResetPassword)
            .await?
            .ok_or(ResetError::BadLink)?;
        let epoch = CredentialRepo::replace_password(&mut tx, &user.id, &hash).await?;
        UserRepo::mark_verified(&mut tx, &user.id).await?;
        CredentialRepo::spend_all(&mut tx, &user.id, LinkPurpose::ResetPassword).await?;
        CredentialRepo::spend_all(&mut tx, &user.id, LinkPurpose::VerifyEmail).await?;
        self.commit_password_change(
            tx,
            AuditKind::PasswordReset,
            &user,
            ip.as_deref(),
            "by mailed link; all sessions ended; address confirmed",
        )
        .await?;
        Ok(User {
            password_hash: Some(hash),
            email_verified: true,
            session_epoch: epoch,
            ..user
        })
    }

    /// A signed-in user changes their password, giving the current one. Every session of the
    /// account ends; the returned epoch lets the caller keep its own. Attempts are charged to
    /// the sign-in throttle, so a borrowed session cannot be used to guess the password.
    pub async fn change_password(
        &self,
        actor: &Actor,
        current: SecretString,
        new_password: SecretString,
        ip: Option<IpAddr>,
    ) -> Result<i64, ChangePasswordError> {
        let mut errors = FormErrors::default();
        if current.expose_secret().is_empty() {
            errors = errors.field("current_password", "Enter your current password.");
        }
        if let Err(message) = password::check_rules(new_password.expose_secret(), &actor.email) {
            errors = errors.field("new_password", message);
        }
        if !errors.is_empty() {
            return Err(ChangePasswordError::Invalid(errors));
        }
        self.throttle
            .check(&actor.email, ip)
            .map_err(ChangePasswordError::Throttled)?;
        let user = self
            .users
            .by_id(&actor.user_id)
            .await?
            .ok_or(DbError::NotFound)?;
        if user.password_hash.is_none() {
            return Err(ChangePasswordError::Invalid(FormErrors::whole(
                "This account has no password yet. Sign out and use \u{201c}Forgot your \
                 password?\u{201d} to set one by email.",
            )));
        }
        if !password::verify(current, user.password_hash.clone()).await? {
            return Err(ChangePasswordError::Invalid(
                FormErrors::default()
                    .field("current_password", "That is not your current password."),
            ));
        }
        let hash = password::hash(new_password).await?;
        let ip = ip.map(|i| i.to_string());
        let mut tx = self.db.begin_write().await?;
        let epoch = CredentialRepo::replace_password(&mut tx, &user.id, &hash).await?;
        // A reset link mailed earlier must not undo this change.
        CredentialRepo::spend_all(&mut tx, &user.id, LinkPurpose::ResetPassword).await?;
        self.commit_password_change(
            tx,
            AuditKind::PasswordChanged,
            &user,
            ip.as_deref(),
            "with the current password; other sessions ended",
        )
        .await?;
        Ok(epoch)
    }

    /// The account a live link for `purpose` was mailed to, with the link's digest; None for a
    /// link that is malformed, unknown, spent or expired, or whose account no longer has the
    /// address it was mailed to (all answered with [`BAD_LINK`]). Confirming an address and
    /// resetting a password read their links alike, so the checks live here once.
    async fn link_owner(
        &self,
        secret: &str,
        purpose: LinkPurpose,
    ) -> Result<Option<(String, User)>, DbError> {
        if !links::well_formed(secret) {
            return Ok(None);
        }
        let digest = links::digest(secret);
        let Some(owner) = self.links.peek(&digest, purpose).await? else {
            return Ok(None);
        };
        let user = self
            .users
            .by_id(&owner.user_id)
            .await?
            .filter(|u| u.email == owner.email);
        Ok(user.map(|user| (digest, user)))
    }

    /// The end of both ways to a new password (a reset link, or the current password): the
    /// audit event and the owner's notice mail commit with the change made in `tx`, then the
    /// mail worker is woken. One place, so neither way can forget the mail.
    async fn commit_password_change(
        &self,
        mut tx: sqlx::Transaction<'static, sqlx::Any>,
        kind: AuditKind,
        user: &User,
        ip: Option<&str>,
        detail: &str,
    ) -> Result<(), DbError> {
        AuditRepo::append(
            &mut *tx,
            kind,
            NewAuditEvent::by_self(&user.id, &user.email, ip, detail),
        )
        .await?;
        JobQueue::push_in(
            &mut tx,
            &MailJob::PasswordChanged {
                user_id: user.id.clone(),
            },
        )
        .await?;
        tx.commit().await.map_err(DbError::from)?;
        self.wake.wake();
        Ok(())
    }

    /// Marks an address confirmed from the command line (`server verify-email`): an operator
    /// who has checked the address some other way vouches for it. None if there is no such
    /// account.
    pub async fn confirm_by_operator(&self, raw_email: &str) -> Result<Option<User>, DbError> {
        let Ok(email) = email::normalise(raw_email) else {
            return Ok(None);
        };
        let Some(user) = self.users.by_email(&email).await? else {
            return Ok(None);
        };
        let mut tx = self.db.begin_write().await?;
        UserRepo::mark_verified(&mut tx, &user.id).await?;
        AuditRepo::append(
            &mut *tx,
            AuditKind::EmailVerified,
            NewAuditEvent {
                subject_user_id: Some(&user.id),
                subject_email: Some(&user.email),
                detail: "by an operator (command line)",
                ..Default::default()
            },
        )
        .await?;
        tx.commit().await.map_err(DbError::from)?;
        Ok(Some(User {
            email_verified: true,
            ..user
        }))
    }
}
