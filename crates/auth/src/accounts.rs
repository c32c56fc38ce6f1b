//! Account operations. Each one validates its input first, then makes its change and writes its
//! audit event in one transaction: an account never exists without its sign-up event, and a
//! role never changes without a record of who changed it.

use crate::policy::Actor;
use crate::throttle::LoginThrottle;
use crate::user_sessions::{SessionLifetimes, UserSessions};
use rehearse_db::{AuditKind, AuditRepo, Db, DbError, IdentityRepo, NewAuditEvent, User, UserRepo};
use std::net::IpAddr;
use std::sync::Arc;

mod erase;
mod external;
mod local;
mod roles;
pub use erase::DeleteAccountError;
pub use external::{ExternalIdentity, ExternalSignInError};
pub use local::{SignInError, SignUpError};
pub use roles::RoleChangeError;

const MAX_NAME_LEN: usize = 80;

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

    pub async fn record_sign_out(&self, actor: &Actor, ip: Option<IpAddr>) -> Result<(), DbError> {
        let ip_text = ip.map(|i| i.to_string());
        self.audit
            .record(
                AuditKind::SignOut,
                NewAuditEvent::by_self(&actor.user_id, &actor.email, ip_text.as_deref(), ""),
            )
            .await
    }

    /// Records a successful sign-in to `user`, by password or through a provider (`how`): the
    /// local and the external sign-in write the same event, so it is built here once.
    async fn record_sign_in(
        &self,
        user: &User,
        ip: Option<&str>,
        how: &str,
    ) -> Result<(), DbError> {
        self.audit
            .record(
                AuditKind::SignIn,
                NewAuditEvent::by_self(&user.id, &user.email, ip, how),
            )
            .await
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
