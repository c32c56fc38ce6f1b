use crate::{now_ms, Db, DbError};
use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

/// Security-relevant events. The names are stored, so never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditKind {
    SignUp,
    SignIn,
    SignInFailed,
    SignInThrottled,
    SignOut,
    RoleChanged,
    OAuthLinked,
    OAuthFailed,
    BudgetChanged,
    JobDescriptionChanged,
    JobRequeued,
    ReviewClaimed,
    ReviewDecided,
    ReviewExpired,
}

impl AuditKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditKind::SignUp => "sign_up",
            AuditKind::SignIn => "sign_in",
            AuditKind::SignInFailed => "sign_in_failed",
            AuditKind::SignInThrottled => "sign_in_throttled",
            AuditKind::SignOut => "sign_out",
            AuditKind::RoleChanged => "role_changed",
            AuditKind::OAuthLinked => "oauth_linked",
            AuditKind::OAuthFailed => "oauth_failed",
            AuditKind::BudgetChanged => "budget_changed",
            AuditKind::JobDescriptionChanged => "job_description_changed",
            AuditKind::JobRequeued => "job_requeued",
            AuditKind::ReviewClaimed => "review_claimed",
            AuditKind::ReviewDecided => "review_decided",
            AuditKind::ReviewExpired => "review_expired",
        }
    }
}

/// An event to append. Actor is who did it; subject is whom it concerns (they differ for a role
/// change made by an admin).
#[derive(Debug, Clone, Default)]
pub struct NewAuditEvent<'a> {
    pub actor_user_id: Option<&'a str>,
    pub actor_email: Option<&'a str>,
    pub subject_user_id: Option<&'a str>,
    pub subject_email: Option<&'a str>,
    pub ip: Option<&'a str>,
    pub detail: &'a str,
}

impl<'a> NewAuditEvent<'a> {
    /// An event someone caused about themselves (signing up, in or out).
    pub fn by_self(user_id: &'a str, email: &'a str, ip: Option<&'a str>, detail: &'a str) -> Self {
        NewAuditEvent {
            actor_user_id: Some(user_id),
            actor_email: Some(email),
            subject_user_id: Some(user_id),
            subject_email: Some(email),
            ip,
            detail,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub id: i64,
    pub at: i64,
    pub kind: String,
    pub actor_email: Option<String>,
    pub subject_email: Option<String>,
    pub ip: Option<String>,
    pub detail: String,
}

/// The append-only audit log. There is deliberately no update or delete here, and the
/// migrations install triggers that refuse both.
#[derive(Debug, Clone)]
pub struct AuditRepo {
    db: Db,
}

impl AuditRepo {
    pub fn new(db: &Db) -> Self {
        AuditRepo { db: db.clone() }
    }

    /// Appends through any executor, so an event can join the transaction of the change it
    /// records.
    pub async fn append<'e, E>(
        exec: E,
        kind: AuditKind,
        event: NewAuditEvent<'_>,
    ) -> Result<(), DbError>
    where
        E: Executor<'e, Database = Any>,
    {
        sqlx::query(
            "INSERT INTO audit_events (at, kind, actor_user_id, actor_email, subject_user_id, \
             subject_email, ip, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(now_ms())
        .bind(kind.as_str())
        .bind(event.actor_user_id)
        .bind(event.actor_email)
        .bind(event.subject_user_id)
        .bind(event.subject_email)
        .bind(event.ip)
        .bind(event.detail)
        .execute(exec)
        .await?;
        Ok(())
    }

    /// Appends outside any transaction (events with no accompanying change, like a failed sign-in).
    pub async fn record(&self, kind: AuditKind, event: NewAuditEvent<'_>) -> Result<(), DbError> {
        Self::append(self.db.pool(), kind, event).await
    }

    /// Newest first; `kind` filters by event name.
    pub async fn list(
        &self,
        kind: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<AuditEvent>, DbError> {
        let base = "SELECT id, at, kind, actor_email, subject_email, ip, detail FROM audit_events";
        let rows = match kind {
            Some(kind) => {
                let sql = format!("{base} WHERE kind = $1 ORDER BY id DESC LIMIT $2 OFFSET $3");
                sqlx::query(&sql)
                    .bind(kind)
                    .bind(limit)
                    .bind(offset)
                    .fetch_all(self.db.pool())
                    .await?
            }
            None => {
                let sql = format!("{base} ORDER BY id DESC LIMIT $1 OFFSET $2");
                sqlx::query(&sql)
                    .bind(limit)
                    .bind(offset)
                    .fetch_all(self.db.pool())
                    .await?
            }
        };
        rows.iter().map(from_row).collect()
    }
}

fn from_row(row: &AnyRow) -> Result<AuditEvent, DbError> {
    Ok(AuditEvent {
        id: row.try_get("id")?,
        at: row.try_get("at")?,
        kind: row.try_get("kind")?,
        actor_email: row.try_get("actor_email")?,
        subject_email: row.try_get("subject_email")?,
        ip: row.try_get("ip")?,
        detail: row.try_get("detail")?,
    })
}
