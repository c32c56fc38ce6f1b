//! A candidate deletes their own account. The current password confirms it (an account that
//! signs in only through a provider, and so has none, types its email address instead); the
//! attempt is charged to the sign-in throttle, so this is no way around it to guess passwords.
//! The erasure itself is [`rehearse_db::erasure`]: the account and everything of theirs goes,
//! the audit log keeps a pseudonymous record, and the `account_deleted` event commits with it.

use super::Accounts;
use crate::password;
use crate::policy::Actor;
use crate::throttle::Throttled;
use rehearse_db::erasure::{erase_account, pseudonym, Erased};
use rehearse_db::{AuditKind, AuditRepo, DbError, NewAuditEvent};
use rehearse_types::Role;
use secrecy::SecretString;
use std::net::IpAddr;

#[derive(Debug, thiserror::Error)]
pub enum DeleteAccountError {
    /// The password (or, for an account without one, the email address) did not match.
    #[error("the confirmation does not match")]
    WrongConfirmation,
    #[error("too many attempts")]
    Throttled(Throttled),
    /// The last admin would lock everyone out of administration.
    #[error("the last admin cannot delete their account")]
    LastAdmin,
    #[error("no such account")]
    NotFound,
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Hash(#[from] password::HashError),
}

impl Accounts {
    /// Deletes `actor`'s own account and all their data once `confirmation` is their current
    /// password (or, for an account without a password, their email address). Every session
    /// of the account ends with it: sessions resolve their account on each request, and its
    /// tracked sessions go with the account row.
    pub async fn delete_own_account(
        &self,
        actor: &Actor,
        confirmation: &str,
        ip: Option<IpAddr>,
    ) -> Result<Erased, DeleteAccountError> {
        let user = self
            .users
            .by_id(&actor.user_id)
            .await?
            .ok_or(DeleteAccountError::NotFound)?;
        self.throttle
            .check(&user.email, ip)
            .map_err(DeleteAccountError::Throttled)?;
        let confirmed = match &user.password_hash {
            Some(_) => {
                let given = SecretString::from(confirmation.to_owned());
                password::verify(given, user.password_hash.clone()).await?
            }
            None => confirmation.trim().eq_ignore_ascii_case(&user.email),
        };
        if !confirmed {
            return Err(DeleteAccountError::WrongConfirmation);
        }
        if user.role == Role::Admin && self.users.count_with_role(Role::Admin).await? <= 1 {
            return Err(DeleteAccountError::LastAdmin);
        }
        let alias = pseudonym(&user.id);
        let ip_text = ip.map(|i| i.to_string());
        let mut tx = self.db.begin_write().await?;
        let erased = erase_account(&mut tx, &user.id, &user.email).await?;
        let detail = format!(
            "account deleted by its owner with its data: {} interviews, {} traces",
            erased.interviews, erased.traces
        );
        AuditRepo::append(
            &mut *tx,
            AuditKind::AccountDeleted,
            NewAuditEvent::by_self(&user.id, &alias, ip_text.as_deref(), &detail),
        )
        .await?;
        tx.commit().await.map_err(DbError::from)?;
        Ok(erased)
    }
}
