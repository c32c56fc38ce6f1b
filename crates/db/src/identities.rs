use crate::{now_ms, Db, DbError};
use sqlx::{Any, Row, Transaction};

/// Links between an account and an external identity (`provider`, `subject`). The subject, not
/// the email, is the key: emails change and can be reassigned at a provider.
#[derive(Debug, Clone)]
pub struct IdentityRepo {
    db: Db,
}

impl IdentityRepo {
    pub fn new(db: &Db) -> Self {
        IdentityRepo { db: db.clone() }
    }

    /// The account linked to this external identity, if any.
    pub async fn user_for(&self, provider: &str, subject: &str) -> Result<Option<String>, DbError> {
        let row = sqlx::query(
            "SELECT user_id FROM oauth_identities WHERE provider = $1 AND subject = $2",
        )
        .bind(provider)
        .bind(subject)
        .fetch_optional(self.db.pool())
        .await?;
        Ok(row.map(|r| r.try_get("user_id")).transpose()?)
    }

    pub async fn link(
        tx: &mut Transaction<'_, Any>,
        provider: &str,
        subject: &str,
        user_id: &str,
        email: &str,
    ) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO oauth_identities (provider, subject, user_id, email, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(provider)
        .bind(subject)
        .bind(user_id)
        .bind(email)
        .bind(now_ms())
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}
