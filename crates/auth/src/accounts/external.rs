//! Signing in through an external OAuth / OpenID Connect provider: the identity the provider
//! vouches for, linking it to an account by verified email (or creating one), and recording
//! refused attempts. Kept apart because linking rules are the delicate part of account security
//! and deserve to be read without the password paths around them.

use super::{default_name, Accounts, MAX_NAME_LEN};
use crate::email;
use rehearse_db::{
    AuditKind, AuditRepo, DbError, IdentityRepo, NewAuditEvent, NewUser, User, UserRepo,
};
use rehearse_types::Role;
use std::net::IpAddr;

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

/// What an OAuth / OIDC provider told us about the person, after its tokens were verified.
#[derive(Debug, Clone)]
pub struct ExternalIdentity {
    pub provider: String,
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
}

impl Accounts {
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
            let how = format!("oauth {}", identity.provider);
            self.record_sign_in(&user, ip_text.as_deref(), &how).await?;
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
}
