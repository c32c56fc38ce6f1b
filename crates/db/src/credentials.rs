//! Credentials that change after sign-up: the single-use links mailed to an account's address
//! (confirming the address, resetting the password) and replacing a password.
//!
//! A link is stored only as a digest of its secret (the caller hashes; this module never sees a
//! secret), with its purpose, the address it was mailed to and its expiry. Spending one is a
//! single conditional `UPDATE ... RETURNING`, so a link works once however many requests race
//! with it, on SQLite and PostgreSQL alike.

use crate::{now_ms, Db, DbError};
use sqlx::{Any, Row, Transaction};

/// What a link is for. The names are stored, so never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    VerifyEmail,
    ResetPassword,
}

impl LinkPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkPurpose::VerifyEmail => "verify_email",
            LinkPurpose::ResetPassword => "reset_password",
        }
    }
}

/// The account a valid link names, and the address it was mailed to.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LinkOwner {
    pub user_id: String,
    pub email: String,
}

/// Links and password changes.
#[derive(Debug, Clone)]
pub struct CredentialRepo {
    db: Db,
}

impl CredentialRepo {
    pub fn new(db: &Db) -> Self {
        CredentialRepo { db: db.clone() }
    }

    /// Stores a new link, valid for `lifetime_ms` from now.
    pub async fn issue(
        &self,
        digest: &str,
        owner: &LinkOwner,
        purpose: LinkPurpose,
        lifetime_ms: i64,
    ) -> Result<(), DbError> {
        let now = now_ms();
        sqlx::query(
            "INSERT INTO account_tokens (token_hash, user_id, email, purpose, created_at, \
             expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(digest)
        .bind(&owner.user_id)
        .bind(&owner.email)
        .bind(purpose.as_str())
        .bind(now)
        .bind(now.saturating_add(lifetime_ms))
        .execute(self.db.pool())
        .await?;
        Ok(())
    }

    /// The owner of an unused, unexpired link, without spending it (to check a form before the
    /// change it allows).
    pub async fn peek(
        &self,
        digest: &str,
        purpose: LinkPurpose,
    ) -> Result<Option<LinkOwner>, DbError> {
        let row = sqlx::query(
            "SELECT user_id, email FROM account_tokens WHERE token_hash = $1 AND purpose = $2 \
             AND used_at IS NULL AND expires_at > $3",
        )
        .bind(digest)
        .bind(purpose.as_str())
        .bind(now_ms())
        .fetch_optional(self.db.pool())
        .await?;
        row.as_ref().map(crate::read_row).transpose()
    }

    /// Spends a link inside `tx`, with the change it allows: its owner if it was unused and
    /// unexpired, None otherwise (used, expired, unknown, or another purpose).
    pub async fn spend(
        tx: &mut Transaction<'_, Any>,
        digest: &str,
        purpose: LinkPurpose,
    ) -> Result<Option<LinkOwner>, DbError> {
        let row = sqlx::query(
            "UPDATE account_tokens SET used_at = $1 WHERE token_hash = $2 AND purpose = $3 \
             AND used_at IS NULL AND expires_at > $1 RETURNING user_id, email",
        )
        .bind(now_ms())
        .bind(digest)
        .bind(purpose.as_str())
        .fetch_optional(&mut **tx)
        .await?;
        row.as_ref().map(crate::read_row).transpose()
    }

    /// Spends every unused link of `purpose` the account still has (after one of them was
    /// used, or when its password changed: an older reset link must not undo a newer change).
    pub async fn spend_all(
        tx: &mut Transaction<'_, Any>,
        user_id: &str,
        purpose: LinkPurpose,
    ) -> Result<(), DbError> {
        sqlx::query(
            "UPDATE account_tokens SET used_at = $1 WHERE user_id = $2 AND purpose = $3 \
             AND used_at IS NULL",
        )
        .bind(now_ms())
        .bind(user_id)
        .bind(purpose.as_str())
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// When the account's newest link of `purpose` was issued, if it has one.
    pub async fn last_issued(
        &self,
        user_id: &str,
        purpose: LinkPurpose,
    ) -> Result<Option<i64>, DbError> {
        let row = sqlx::query(
            "SELECT MAX(created_at) AS at FROM account_tokens WHERE user_id = $1 AND purpose = $2",
        )
        .bind(user_id)
        .bind(purpose.as_str())
        .fetch_one(self.db.pool())
        .await?;
        Ok(row.try_get::<Option<i64>, _>("at")?)
    }

    /// Deletes links that expired or were spent more than `keep_ms` ago.
    pub async fn delete_stale(&self, keep_ms: i64) -> Result<u64, DbError> {
        let cutoff = now_ms().saturating_sub(keep_ms);
        let done = sqlx::query(
            "DELETE FROM account_tokens WHERE expires_at < $1 OR (used_at IS NOT NULL AND used_at < $1)",
        )
        .bind(cutoff)
        .execute(self.db.pool())
        .await?;
        Ok(done.rows_affected())
    }

    /// Replaces an account's password inside `tx` and ends all its sessions (raises its session
    /// epoch). Returns the new epoch, for the one session the caller may keep.
    pub async fn replace_password(
        tx: &mut Transaction<'_, Any>,
        user_id: &str,
        password_hash: &str,
    ) -> Result<i64, DbError> {
        let row = sqlx::query(
            "UPDATE users SET password_hash = $1, session_epoch = session_epoch + 1, \
             updated_at = $2 WHERE id = $3 RETURNING session_epoch",
        )
        .bind(password_hash)
        .bind(now_ms())
        .bind(user_id)
        .fetch_optional(&mut **tx)
        .await?;
        let row = row.ok_or(DbError::NotFound)?;
        Ok(row.try_get("session_epoch")?)
    }
}
