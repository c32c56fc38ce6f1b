use crate::{now_ms, Db, DbError};
use rehearse_types::Role;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

/// A stored account. `password_hash` is absent for accounts that only sign in through OAuth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub password_hash: Option<String>,
    pub role: Role,
    pub email_verified: bool,
    pub created_at: i64,
    /// Sessions record the epoch they began in; raising it ends every session of the account.
    pub session_epoch: i64,
}

/// What creating an account needs. `email` must already be normalised (trimmed, lowercase).
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub password_hash: Option<&'a str>,
    pub role: Role,
    pub email_verified: bool,
}

const COLUMNS: &str =
    "id, email, display_name, password_hash, role, email_verified, created_at, session_epoch";

fn from_row(row: &AnyRow) -> Result<User, DbError> {
    let role: String = row.try_get("role")?;
    let verified: i64 = row.try_get("email_verified")?;
    Ok(User {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        display_name: row.try_get("display_name")?,
        password_hash: row.try_get("password_hash")?,
        role: role
            .parse()
            .map_err(|e| DbError::Corrupt(format!("users.role: {e}")))?,
        email_verified: verified != 0,
        created_at: row.try_get("created_at")?,
        session_epoch: row.try_get("session_epoch")?,
    })
}

/// Accounts.
#[derive(Debug, Clone)]
pub struct UserRepo {
    db: Db,
}

impl UserRepo {
    pub fn new(db: &Db) -> Self {
        UserRepo { db: db.clone() }
    }

    /// Inserts an account inside `tx`, so the caller can write its audit event atomically.
    /// A taken email is [`DbError::Conflict`].
    pub async fn create(tx: &mut Transaction<'_, Any>, new: NewUser<'_>) -> Result<User, DbError> {
        let id = uuid::Uuid::new_v4().to_string();
        let now = now_ms();
        sqlx::query(
            "INSERT INTO users (id, email, display_name, password_hash, role, email_verified, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(&id)
        .bind(new.email)
        .bind(new.display_name)
        .bind(new.password_hash)
        .bind(new.role.as_str())
        .bind(i64::from(new.email_verified))
        .bind(now)
        .execute(&mut **tx)
        .await?;
        Ok(User {
            id,
            email: new.email.to_owned(),
            display_name: new.display_name.to_owned(),
            password_hash: new.password_hash.map(str::to_owned),
            role: new.role,
            email_verified: new.email_verified,
            created_at: now,
            session_epoch: 0,
        })
    }

    pub async fn by_email(&self, email: &str) -> Result<Option<User>, DbError> {
        self.one_where("email", email).await
    }

    pub async fn by_id(&self, id: &str) -> Result<Option<User>, DbError> {
        self.one_where("id", id).await
    }

    /// The account whose `column` (a unique one: `id`, `email`) is `value`.
    async fn one_where(&self, column: &str, value: &str) -> Result<Option<User>, DbError> {
        let sql = format!("SELECT {COLUMNS} FROM users WHERE {column} = $1");
        let row = sqlx::query(&sql)
            .bind(value)
            .fetch_optional(self.db.pool())
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Every account, oldest first, with how each can sign in ("password", provider ids).
    pub async fn list(&self) -> Result<Vec<(User, Vec<String>)>, DbError> {
        let sql = format!("SELECT {COLUMNS} FROM users ORDER BY created_at, email");
        let rows = sqlx::query(&sql).fetch_all(self.db.pool()).await?;
        let links = sqlx::query("SELECT user_id, provider FROM oauth_identities ORDER BY provider")
            .fetch_all(self.db.pool())
            .await?;
        rows.iter()
            .map(|row| {
                let user = from_row(row)?;
                let mut methods = Vec::new();
                if user.password_hash.is_some() {
                    methods.push("password".to_owned());
                }
                for link in &links {
                    let owner: String = link.try_get("user_id")?;
                    if owner == user.id {
                        methods.push(link.try_get("provider")?);
                    }
                }
                Ok((user, methods))
            })
            .collect()
    }

    /// Changes a role inside `tx`; returns the account as it was before, or NotFound.
    pub async fn set_role(
        tx: &mut Transaction<'_, Any>,
        id: &str,
        role: Role,
    ) -> Result<User, DbError> {
        let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
        let before = sqlx::query(&sql).bind(id).fetch_optional(&mut **tx).await?;
        let before = from_row(&before.ok_or(DbError::NotFound)?)?;
        sqlx::query("UPDATE users SET role = $1, updated_at = $2 WHERE id = $3")
            .bind(role.as_str())
            .bind(now_ms())
            .bind(id)
            .execute(&mut **tx)
            .await?;
        Ok(before)
    }

    /// Marks an email verified (after an OAuth provider vouched for it).
    pub async fn mark_verified(tx: &mut Transaction<'_, Any>, id: &str) -> Result<(), DbError> {
        sqlx::query("UPDATE users SET email_verified = 1, updated_at = $1 WHERE id = $2")
            .bind(now_ms())
            .bind(id)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// Takes over an account whose email was never verified, for the person a provider has just
    /// vouched for: removes its password, marks the email verified and ends every session it
    /// has (by raising its session epoch), so whoever registered the address first keeps no way
    /// in. Inside `tx`, with the identity link and the audit event.
    pub async fn end_sessions_and_drop_password(
        tx: &mut Transaction<'_, Any>,
        id: &str,
    ) -> Result<(), DbError> {
        let done = sqlx::query(
            "UPDATE users SET password_hash = NULL, session_epoch = session_epoch + 1, \
             email_verified = 1, updated_at = $1 WHERE id = $2",
        )
        .bind(now_ms())
        .bind(id)
        .execute(&mut **tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(DbError::NotFound);
        }
        Ok(())
    }

    pub async fn count_with_role(&self, role: Role) -> Result<i64, DbError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM users WHERE role = $1")
            .bind(role.as_str())
            .fetch_one(self.db.pool())
            .await?;
        Ok(row.try_get("n")?)
    }
}
