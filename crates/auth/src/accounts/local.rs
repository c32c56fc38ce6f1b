//! Local accounts: signing up with an email address and a password, and signing in with them.
//! These are the password paths, with their own validation and throttling, kept apart from the
//! provider sign-in and from role changes so each can be read and reviewed on its own.

use super::{default_name, Accounts, MAX_NAME_LEN};
use crate::throttle::Throttled;
use crate::{email, password};
use rehearse_db::{AuditKind, AuditRepo, DbError, NewAuditEvent, NewUser, User, UserRepo};
use rehearse_types::{FormErrors, Role};
use secrecy::{ExposeSecret, SecretString};
use std::net::IpAddr;

#[derive(Debug, thiserror::Error)]
pub enum SignUpError {
    #[error("the form has errors")]
    Invalid(FormErrors),
    #[error("an account with this email already exists")]
    Taken,
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Hash(#[from] password::HashError),
}

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("the form has errors")]
    Invalid(FormErrors),
    #[error("wrong email or password")]
    WrongCredentials,
    #[error("too many sign-in attempts")]
    Throttled(Throttled),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Hash(#[from] password::HashError),
}

impl Accounts {
    /// Creates a local account, unconfirmed, with its confirmation mail queued in the same
    /// transaction. The password is checked against the rules before hashing. A taken address
    /// is [`SignUpError::Taken`], which callers must answer exactly like a success (see
    /// [`crate::verify::Verification::sign_up_taken`]).
    /// A local account is always a candidate, bootstrap email or not: nothing has verified that
    /// the person owns the address. `server promote` makes a local account an admin.
    pub async fn sign_up(
        &self,
        raw_email: &str,
        raw_name: &str,
        password: SecretString,
        ip: Option<IpAddr>,
    ) -> Result<User, SignUpError> {
        let mut errors = FormErrors::default();
        let email = match email::normalise(raw_email) {
            Ok(e) => Some(e),
            Err(message) => {
                errors = errors.field("email", message);
                None
            }
        };
        let name = raw_name.trim();
        if name.chars().count() > MAX_NAME_LEN {
            errors = errors.field("name", format!("Use at most {MAX_NAME_LEN} characters."));
        } else if name.chars().any(char::is_control) {
            errors = errors.field("name", "Your name must not contain control characters.");
        }
        if let Err(message) =
            password::check_rules(password.expose_secret(), email.as_deref().unwrap_or(""))
        {
            errors = errors.field("password", message);
        }
        let Some(email) = email.filter(|_| errors.is_empty()) else {
            return Err(SignUpError::Invalid(errors));
        };
        if self.users.by_email(&email).await?.is_some() {
            return Err(SignUpError::Taken);
        }
        let hash = password::hash(password).await?;
        let display_name = if name.is_empty() {
            default_name(&email)
        } else {
            name.to_owned()
        };
        let role = Role::Candidate;
        let ip = ip.map(|i| i.to_string());
        let mut tx = self.db.begin_write().await?;
        let user = UserRepo::create(
            &mut tx,
            NewUser {
                email: &email,
                display_name: &display_name,
                password_hash: Some(&hash),
                role,
                email_verified: false,
            },
        )
        .await
        .map_err(|e| match e {
            DbError::Conflict => SignUpError::Taken,
            other => SignUpError::Db(other),
        })?;
        AuditRepo::append(
            &mut *tx,
            AuditKind::SignUp,
            NewAuditEvent::by_self(
                &user.id,
                &user.email,
                ip.as_deref(),
                &format!("local account, role {}", user.role),
            ),
        )
        .await?;
        // The confirmation mail commits with the account (an outbox): never one without the
        // other. The caller wakes the mail worker.
        rehearse_db::JobQueue::push_in(
            &mut tx,
            &crate::outbox::MailJob::VerifyEmail {
                user_id: user.id.clone(),
            },
        )
        .await?;
        tx.commit().await.map_err(DbError::from)?;
        Ok(user)
    }

    /// Checks a local sign-in. Wrong email and wrong password are indistinguishable to the
    /// caller, in message and in timing. Every attempt is charged to the throttle.
    pub async fn sign_in(
        &self,
        raw_email: &str,
        password: SecretString,
        ip: Option<IpAddr>,
    ) -> Result<User, SignInError> {
        let email = email::normalise(raw_email)
            .map_err(|m| SignInError::Invalid(FormErrors::default().field("email", m)))?;
        if password.expose_secret().is_empty() {
            return Err(SignInError::Invalid(
                FormErrors::default().field("password", "Enter your password."),
            ));
        }
        let ip_text = ip.map(|i| i.to_string());
        if let Err(throttled) = self.throttle.check(&email, ip) {
            let (client_ip, detail) = (ip_text.as_deref(), "too many attempts");
            self.record_refused_sign_in(AuditKind::SignInThrottled, &email, client_ip, detail)
                .await?;
            return Err(SignInError::Throttled(throttled));
        }
        let user = self.users.by_email(&email).await?;
        let stored = user.as_ref().and_then(|u| u.password_hash.clone());
        let ok = password::verify(password, stored).await?;
        match user.filter(|_| ok) {
            Some(user) => {
                self.record_sign_in(&user, ip_text.as_deref(), "password")
                    .await?;
                Ok(user)
            }
            None => {
                let (client_ip, detail) = (ip_text.as_deref(), "wrong email or password");
                self.record_refused_sign_in(AuditKind::SignInFailed, &email, client_ip, detail)
                    .await?;
                Err(SignInError::WrongCredentials)
            }
        }
    }

    /// Records a refused password sign-in (throttled, or a wrong email or password) under the
    /// address that was tried, which may belong to no account: both refusals write this shape.
    async fn record_refused_sign_in(
        &self,
        kind: AuditKind,
        email: &str,
        ip: Option<&str>,
        detail: &str,
    ) -> Result<(), DbError> {
        let event = NewAuditEvent {
            actor_email: Some(email),
            subject_email: Some(email),
            ip,
            detail,
            ..Default::default()
        };
        self.audit.record(kind, event).await
    }
}
