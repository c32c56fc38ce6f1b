//! Changing an account's role, from the admin pages or from the command line (the first-admin
//! path). Kept apart because these are the operations that grant or remove staff rights, with
//! their own guards (the last admin, a confirmed address).

use super::Accounts;
use crate::email;
use crate::policy::Actor;
use rehearse_db::{AuditKind, AuditRepo, DbError, NewAuditEvent, User, UserRepo};
use rehearse_types::Role;
use std::net::IpAddr;

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

impl Accounts {
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
}
