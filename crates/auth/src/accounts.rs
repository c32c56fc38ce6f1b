//! Account operations. Each one validates its input first, then makes its change and writes its
//! audit event in one transaction: an account never exists without its sign-up event, and a
//! role never changes without a record of who changed it.

use crate::policy::Actor;
use crate::throttle::{LoginThrottle, Throttled};
use crate::user_sessions::{SessionLifetimes, UserSessions};
use crate::{email, password};
use rehearse_db::{
    AuditKind, AuditRepo, Db, DbError, IdentityRepo, NewAuditEvent, NewUser, User, UserRepo,
};
use rehearse_types::{FormErrors, Role};
use secrecy::{ExposeSecret, SecretString};
use std::net::IpAddr;
use std::sync::Arc;

mod erase;
pub use erase::DeleteAccountError;

const MAX_NAME_LEN: usize = 80;

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

#[derive(Debug, thiserror::Error)]
pub enum ExternalSignInError {
    #[error("the provider did not give an email address")]
    NoEmail,
    #[error("the provider has not verified this email address")]
    UnverifiedEmail,
    /// The email belongs to a staff account (reviewer or admin) that this identity is not yet
    /// linked to. Staff accounts are never linked automatically: a provider account with the
    /// same address must not be a way into staff rights. They sign in with their password.
    #[error("this email belongs to a staff account, which signs in with its password")]
    StaffAccount,
    #[error(transparent)]
    Db(#[from] DbError),
}

#[derive(Debug, thiserror::Error)]
pub enum RoleChangeError {
    #[error("no such account")]
    NotFound,
    #[error("the last admin cannot stop being an admin")]
    LastAdmin,
    /// Staff roles need a confirmed address ([`crate::policy::may_hold`]).
    #[error("this account has not confirmed its email address")]
    Unverified,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// What an OAuth / OIDC provider told us about the person, after its tokens were verified.
#[derive(Debug, Clone)]
pub struct ExternalIdentity {
    pub provider: String,
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
}

/// Account operations over the relational store.
#[derive(Debug, Clone)]
pub struct Accounts {
    db: Db,
    users: UserRepo,
    identities: IdentityRepo,
    audit: AuditRepo,
    throttle: Arc<LoginThrottle>,
    bootstrap_admins: Arc<Vec<String>>,
    sessions: UserSessions,
}

impl Accounts {
    pub fn new(db: &Db, throttle: Arc<LoginThrottle>, bootstrap_admins: Vec<String>) -> Self {
        let bootstrap_admins = bootstrap_admins
            .iter()
            .map(|e| e.trim().to_lowercase())
            .collect();
        Accounts {
            db: db.clone(),
            users: UserRepo::new(db),
            identities: IdentityRepo::new(db),
            audit: AuditRepo::new(db),
            throttle,
            bootstrap_admins: Arc::new(bootstrap_admins),
            sessions: UserSessions::new(db, SessionLifetimes::default()),
        }
    }

    /// The same accounts with these session lifetimes (the defaults otherwise).
    pub fn with_session_lifetimes(self, lifetimes: SessionLifetimes) -> Self {
        let sessions = UserSessions::new(&self.db, lifetimes);
        Accounts { sessions, ..self }
    }

    /// Each account's signed-in sessions, and their lifetimes.
    pub fn sessions(&self) -> &UserSessions {
        &self.sessions
    }

    pub fn users(&self) -> &UserRepo {
        &self.users
    }

    pub fn audit(&self) -> &AuditRepo {
        &self.audit
    }

    pub fn throttle(&self) -> &LoginThrottle {
        &self.throttle
    }

    /// The role of an account created for an email address a sign-in provider has verified:
    /// admin for bootstrap emails, candidate otherwise. Local sign-ups never get here: their
    /// address is unverified, so whoever signed up first as a bootstrap address would be admin.
    fn verified_initial_role(&self, verified_email: &str) -> Role {
        if self.bootstrap_admins.iter().any(|a| a == verified_email) {
            Role::Admin
        } else {
            Role::Candidate
        }
    }

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
            self.audit
                .record(
                    AuditKind::SignInThrottled,
                    NewAuditEvent {
                        actor_email: Some(&email),
                        subject_email: Some(&email),
                        ip: ip_text.as_deref(),
                        detail: "too many attempts",
                        ..Default::default()
                    },
                )
                .await?;
            return Err(SignInError::Throttled(throttled));
        }
        let user = self.users.by_email(&email).await?;
        let stored = user.as_ref().and_then(|u| u.password_hash.clone());
        let ok = password::verify(password, stored).await?;
        match user.filter(|_| ok) {
            Some(user) => {
                self.audit
                    .record(
                        AuditKind::SignIn,
                        NewAuditEvent::by_self(
                            &user.id,
                            &user.email,
                            ip_text.as_deref(),
                            "password",
                        ),
                    )
                    .await?;
                Ok(user)
            }
            None => {
                self.audit
                    .record(
                        AuditKind::SignInFailed,
                        NewAuditEvent {
                            actor_email: Some(&email),
                            subject_email: Some(&email),
                            ip: ip_text.as_deref(),
                            detail: "wrong email or password",
                            ..Default::default()
                        },
                    )
                    .await?;
                Err(SignInError::WrongCredentials)
            }
        }
    }

    /// Signs in through an external provider. An identity seen before signs into its account;
    /// a new identity links to the account with the same email only when the provider has
    /// verified that email; otherwise a new account is created. An unverified email is refused,
    /// since accepting it would let anyone claim any address.
    ///
    /// Linking into an account whose own email was never verified takes it over for the
    /// provider-verified owner: its password is removed and its sessions are ended, so whoever
    /// registered the address first (perhaps to lie in wait) keeps no way in. A staff account is
    /// never linked automatically ([`ExternalSignInError::StaffAccount`]).
    pub async fn sign_in_external(
        &self,
        identity: ExternalIdentity,
        ip: Option<IpAddr>,
    ) -> Result<User, ExternalSignInError> {
        let ip_text = ip.map(|i| i.to_string());
        if let Some(user_id) = self
            .identities
            .user_for(&identity.provider, &identity.subject)
            .await?
        {
            let user = self.users.by_id(&user_id).await?.ok_or(DbError::NotFound)?;
            self.audit
                .record(
                    AuditKind::SignIn,
                    NewAuditEvent::by_self(
                        &user.id,
                        &user.email,
                        ip_text.as_deref(),
                        &format!("oauth {}", identity.provider),
                    ),
                )
                .await?;
            return Ok(user);
        }
        let email = identity
            .email
            .as_deref()
            .and_then(|e| email::normalise(e).ok())
            .ok_or(ExternalSignInError::NoEmail)?;
        if !identity.email_verified {
            return Err(ExternalSignInError::UnverifiedEmail);
        }
        let existing = self.users.by_email(&email).await?;
        if existing.as_ref().is_some_and(|u| u.role != Role::Candidate) {
            return Err(ExternalSignInError::StaffAccount);
        }
        let mut tx = self.db.begin_write().await?;
        // What linking did to an existing account, for the audit event.
        let mut took_over = false;
        let (user, created) = match existing {
            Some(user) if user.email_verified => (user, false),
            Some(user) => {
                UserRepo::end_sessions_and_drop_password(&mut tx, &user.id).await?;
                took_over = true;
                let user = User {
                    password_hash: None,
                    email_verified: true,
                    session_epoch: user.session_epoch + 1,
                    ..user
                };
                (user, false)
            }
            None => {
                let name = identity
                    .name
                    .as_deref()
                    .map(str::trim)
                    .filter(|n| {
                        !n.is_empty()
                            && n.chars().count() <= MAX_NAME_LEN
                            && !n.chars().any(char::is_control)
                    })
                    .map(str::to_owned)
                    .unwrap_or_else(|| default_name(&email));
                let user = UserRepo::create(
                    &mut tx,
                    NewUser {
                        email: &email,
                        display_name: &name,
                        password_hash: None,
                        role: self.verified_initial_role(&email),
                        email_verified: true,
                    },
                )
                .await?;
                (user, true)
            }
        };
        IdentityRepo::link(
            &mut tx,
            &identity.provider,
            &identity.subject,
            &user.id,
            &email,
        )
        .await?;
        let detail = if created {
            format!("new account via {}", identity.provider)
        } else if took_over {
            format!(
                "linked {} by verified email; the account's email was unverified, so its \
                 password was removed and its sessions were ended",
                identity.provider
            )
        } else {
            format!("linked {} by verified email", identity.provider)
        };
        let event = NewAuditEvent::by_self(&user.id, &user.email, ip_text.as_deref(), &detail);
        let kind = if created {
            AuditKind::SignUp
        } else {
            AuditKind::OAuthLinked
        };
        AuditRepo::append(&mut *tx, kind, event.clone()).await?;
        AuditRepo::append(
            &mut *tx,
            AuditKind::SignIn,
            NewAuditEvent {
                detail: &format!("oauth {}", identity.provider),
                ..event
            },
        )
        .await?;
        tx.commit().await.map_err(DbError::from)?;
        Ok(user)
    }

    /// Records a refused external sign-in (bad state, bad token, unverified email, staff
    /// account).
    pub async fn record_external_failure(
        &self,
        provider: &str,
        reason: &str,
        ip: Option<IpAddr>,
    ) -> Result<(), DbError> {
        let ip_text = ip.map(|i| i.to_string());
        self.audit
            .record(
                AuditKind::OAuthFailed,
                NewAuditEvent {
                    ip: ip_text.as_deref(),
                    detail: &format!("{provider}: {reason}"),
                    ..Default::default()
                },
            )
            .await
    }

    pub async fn record_sign_out(&self, actor: &Actor, ip: Option<IpAddr>) -> Result<(), DbError> {
        let ip_text = ip.map(|i| i.to_string());
        self.audit
            .record(
                AuditKind::SignOut,
                NewAuditEvent::by_self(&actor.user_id, &actor.email, ip_text.as_deref(), ""),
            )
            .await
    }

    /// Changes `target_id`'s role on behalf of `actor` (whose right to do so the caller has
    /// already checked with the policy). Refuses to remove the last admin, which would lock
    /// everyone out of administration.
    pub async fn change_role(
        &self,
        actor: &Actor,
        target_id: &str,
        role: Role,
        ip: Option<IpAddr>,
    ) -> Result<User, RoleChangeError> {
        let mut tx = self.db.begin_write().await?;
        let before = UserRepo::set_role(&mut tx, target_id, role)
            .await
            .map_err(|e| match e {
                DbError::NotFound => RoleChangeError::NotFound,
                other => RoleChangeError::Db(other),
            })?;
        if !crate::policy::may_hold(role, before.email_verified) {
            return Err(RoleChangeError::Unverified);
        }
        if before.role == Role::Admin && role != Role::Admin {
            let row = sqlx::query("SELECT COUNT(*) AS n FROM users WHERE role = 'admin'")
                .fetch_one(&mut *tx)
                .await
                .map_err(DbError::from)?;
            let admins: i64 = sqlx::Row::try_get(&row, "n").map_err(DbError::from)?;
            if admins == 0 {
                return Err(RoleChangeError::LastAdmin);
            }
        }
        let ip_text = ip.map(|i| i.to_string());
        AuditRepo::append(
            &mut *tx,
            AuditKind::RoleChanged,
            NewAuditEvent {
                actor_user_id: Some(&actor.user_id),
                actor_email: Some(&actor.email),
                subject_user_id: Some(&before.id),
                subject_email: Some(&before.email),
                ip: ip_text.as_deref(),
                detail: &format!("{} -> {}", before.role, role),
            },
        )
        .await?;
        tx.commit().await.map_err(DbError::from)?;
        Ok(User { role, ..before })
    }

    /// Makes an existing account an admin from the command line (the first-admin path). The
    /// operator running it vouches for the address, so it is marked confirmed in the same
    /// transaction (a staff role needs a confirmed address).
    pub async fn promote_from_cli(&self, raw_email: &str) -> Result<User, RoleChangeError> {
        let email = email::normalise(raw_email).map_err(|_| RoleChangeError::NotFound)?;
        let user = self
            .users
            .by_email(&email)
            .await?
            .ok_or(RoleChangeError::NotFound)?;
        let mut tx = self.db.begin_write().await?;
        let before = UserRepo::set_role(&mut tx, &user.id, Role::Admin).await?;
        UserRepo::mark_verified(&mut tx, &user.id).await?;
        AuditRepo::append(
            &mut *tx,
            AuditKind::RoleChanged,
            NewAuditEvent {
                subject_user_id: Some(&before.id),
                subject_email: Some(&before.email),
                detail: &format!(
                    "{} -> admin (command line; address confirmed by the operator)",
                    before.role
                ),
                ..Default::default()
            },
        )
        .await?;
        tx.commit().await.map_err(DbError::from)?;
        Ok(User {
            role: Role::Admin,
            email_verified: true,
            ..before
        })
    }

    /// Resolves a session's user id into the current actor; None if the account is gone.
    pub async fn actor(&self, user_id: &str) -> Result<Option<Actor>, DbError> {
        Ok(self.users.by_id(user_id).await?.map(|u| Actor {
            user_id: u.id,
            email: u.email,
            display_name: u.display_name,
            role: u.role,
            session_epoch: u.session_epoch,
            email_verified: u.email_verified,
        }))
    }
}

fn default_name(email: &str) -> String {
    email.split('@').next().unwrap_or(email).to_owned()
}
