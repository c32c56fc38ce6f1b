//! The append-only audit log.
//!
//! Most events are one row each. Events anyone can cause anonymously and as often as they like
//! (a refused OAuth callback, a throttled sign-in) are folded instead, so a loop cannot grow the
//! table without bound: per kind, group (a bounded reason code chosen by the caller, never
//! request text), client IP and [`REPEAT_WINDOW_MS`] window, the first [`REPEATS_KEPT`] events
//! keep a row each and every later one only raises the `occurrences` count of one more row. The
//! database lets that count (and `last_at`) grow and refuses every other update or delete.

use crate::{now_ms, Db, DbError};
use sqlx::{Any, Executor};

crate::spelled_enum! {
    /// Security-relevant events. The names are stored, so never rename or remove one.
    pub enum AuditKind {
        SignUp = "sign_up",
        SignIn = "sign_in",
        SignInFailed = "sign_in_failed",
        SignInThrottled = "sign_in_throttled",
        SignOut = "sign_out",
        RoleChanged = "role_changed",
        OAuthLinked = "oauth_linked",
        OAuthFailed = "oauth_failed",
        BudgetChanged = "budget_changed",
        JobDescriptionChanged = "job_description_changed",
        JobRequeued = "job_requeued",
        ReviewClaimed = "review_claimed",
        ReviewDecided = "review_decided",
        ReviewExpired = "review_expired",
        DataExported = "data_exported",
        AccountDeleted = "account_deleted",
        EmailVerified = "email_verified",
        PasswordReset = "password_reset",
        PasswordChanged = "password_changed",
        PromptVersionCreated = "prompt_version_created",
        PromptVersionActivated = "prompt_version_activated",
    }
}

impl AuditKind {
    /// Kinds anyone can cause without an account, as often as they like: [`AuditRepo::record`]
    /// folds their repeats (see the module docs).
    pub fn folds_repeats(self) -> bool {
        matches!(self, AuditKind::SignInThrottled | AuditKind::OAuthFailed)
    }
}

/// Length of the window repeats are folded over.
pub const REPEAT_WINDOW_MS: i64 = 15 * 60 * 1000;
/// Events of one kind, group and IP kept as rows of their own per window before the rest are
/// counted on one row.
pub const REPEATS_KEPT: u32 = 3;

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

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditEvent {
    pub id: i64,
    pub at: i64,
    pub kind: AuditKind,
    pub actor_email: Option<String>,
    pub subject_email: Option<String>,
    pub ip: Option<String>,
    pub detail: String,
    /// How many events this row stands for: 1, or more on the row that folds the repeats of a
    /// window (its `at` is the first folded event, `last_at` the latest).
    pub occurrences: i64,
    pub last_at: Option<i64>,
}

impl AuditEvent {
    /// The detail as an admin should read it: with the number of folded repeats, if any.
    pub fn detail_with_repeats(&self) -> String {
        if self.occurrences <= 1 {
            return self.detail.clone();
        }
        let last = self
            .last_at
            .map(|at| format!(", the last at {}", crate::format_ms(at)))
            .unwrap_or_default();
        format!(
            "{} ({} times from this address in this window{last})",
            self.detail, self.occurrences
        )
    }
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
        let query = sqlx::query(
            "INSERT INTO audit_events (at, kind, actor_user_id, actor_email, subject_user_id, \
             subject_email, ip, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        );
        bind_event(query, now_ms(), kind, &event)
            .execute(exec)
            .await?;
        Ok(())
    }

    /// Appends outside any transaction (events with no accompanying change, like a failed
    /// sign-in). Kinds that [fold repeats](AuditKind::folds_repeats) go through
    /// [`AuditRepo::record_repeat`] with no group.
    pub async fn record(&self, kind: AuditKind, event: NewAuditEvent<'_>) -> Result<(), DbError> {
        if kind.folds_repeats() {
            return self.record_repeat(kind, "", event).await;
        }
        Self::append(self.db.pool(), kind, event).await
    }

    /// Records an event whose repeats are folded per (kind, `group`, IP, window): the first
    /// [`REPEATS_KEPT`] get a row each, later ones raise the count of one row. `group` must come
    /// from a small fixed set (a reason code), never from the request, or it would unbound the
    /// rows again.
    pub async fn record_repeat(
        &self,
        kind: AuditKind,
        group: &str,
        event: NewAuditEvent<'_>,
    ) -> Result<(), DbError> {
        let at = now_ms();
        let key = window_key(kind, group, event.ip, at);
        let folded = format!("{key}#more");
        let pool = self.db.pool();
        // The usual case once a loop is under way: the folding row exists, count one more.
        let counted = sqlx::query(
            "UPDATE audit_events SET occurrences = occurrences + 1, last_at = $1 \
             WHERE window_key = $2",
        )
        .bind(at)
        .bind(folded.as_str())
        .execute(pool)
        .await?;
        if counted.rows_affected() > 0 {
            return Ok(());
        }
        // One of the first rows of the window: the unique key makes each slot taken once, even
        // by concurrent requests.
        for slot in 1..=REPEATS_KEPT {
            let query = sqlx::query(
                "INSERT INTO audit_events (at, kind, actor_user_id, actor_email, subject_user_id, \
                 subject_email, ip, detail, window_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 ON CONFLICT (window_key) DO NOTHING",
            );
            let taken = bind_event(query, at, kind, &event)
                .bind(format!("{key}#{slot}"))
                .execute(pool)
                .await?;
            if taken.rows_affected() > 0 {
                return Ok(());
            }
        }
        // The slots are full: start the folding row (or count on it, if a concurrent request
        // has just started it).
        let query = sqlx::query(
            "INSERT INTO audit_events (at, kind, actor_user_id, actor_email, subject_user_id, \
             subject_email, ip, detail, window_key, occurrences, last_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10) \
             ON CONFLICT (window_key) DO UPDATE SET \
             occurrences = audit_events.occurrences + 1, last_at = excluded.last_at",
        );
        bind_event(query, at, kind, &event)
            .bind(folded.as_str())
            .bind(at)
            .execute(pool)
            .await?;
        Ok(())
    }

    /// Newest first; `kind` filters by event kind.
    pub async fn list(
        &self,
        kind: Option<AuditKind>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<AuditEvent>, DbError> {
        let base = "SELECT id, at, kind, actor_email, subject_email, ip, detail, occurrences, \
                    last_at FROM audit_events";
        let rows = match kind {
            Some(kind) => {
                let sql = format!("{base} WHERE kind = $1 ORDER BY id DESC LIMIT $2 OFFSET $3");
                sqlx::query(&sql)
                    .bind(kind.as_str())
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
        rows.iter().map(crate::read_row).collect()
    }
}

/// A query on the `Any` driver, parameters not yet bound.
type AnyQuery<'q> = sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>;

/// Binds `$1` to `$8` of an audit row (`at`, kind, actor, subject, IP, detail) in the order
/// every INSERT here lists them: one place, so a plain row and a folded one cannot drift apart.
fn bind_event<'q>(
    query: AnyQuery<'q>,
    at: i64,
    kind: AuditKind,
    event: &NewAuditEvent<'q>,
) -> AnyQuery<'q> {
    query
        .bind(at)
        .bind(kind.as_str())
        .bind(event.actor_user_id)
        .bind(event.actor_email)
        .bind(event.subject_user_id)
        .bind(event.subject_email)
        .bind(event.ip)
        .bind(event.detail)
}

/// The key shared by the rows of one (kind, group, IP, window); a slot suffix makes each row's
/// key unique.
fn window_key(kind: AuditKind, group: &str, ip: Option<&str>, at: i64) -> String {
    format!(
        "{}:{group}:{}:{}",
        kind.as_str(),
        ip.unwrap_or("-"),
        at.div_euclid(REPEAT_WINDOW_MS)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_keys_separate_kind_group_ip_and_window() {
        let at = 10 * REPEAT_WINDOW_MS + 5;
        let key = window_key(
            AuditKind::OAuthFailed,
            "unknown_state",
            Some("10.0.0.1"),
            at,
        );
        assert_eq!(key, "oauth_failed:unknown_state:10.0.0.1:10");
        assert_eq!(
            key,
            window_key(
                AuditKind::OAuthFailed,
                "unknown_state",
                Some("10.0.0.1"),
                11 * REPEAT_WINDOW_MS - 1
            )
        );
        for other in [
            window_key(
                AuditKind::SignInThrottled,
                "unknown_state",
                Some("10.0.0.1"),
                at,
            ),
            window_key(AuditKind::OAuthFailed, "expired", Some("10.0.0.1"), at),
            window_key(
                AuditKind::OAuthFailed,
                "unknown_state",
                Some("10.0.0.2"),
                at,
            ),
            window_key(AuditKind::OAuthFailed, "unknown_state", None, at),
            window_key(
                AuditKind::OAuthFailed,
                "unknown_state",
                Some("10.0.0.1"),
                at + REPEAT_WINDOW_MS,
            ),
        ] {
            assert_ne!(key, other);
        }
    }

    #[test]
    fn only_anonymous_repeatable_kinds_fold() {
        assert!(AuditKind::OAuthFailed.folds_repeats());
        assert!(AuditKind::SignInThrottled.folds_repeats());
        assert!(!AuditKind::SignInFailed.folds_repeats());
        assert!(!AuditKind::PromptVersionActivated.folds_repeats());
    }

    #[test]
    fn folded_rows_show_their_count() {
        let mut event = AuditEvent {
            id: 1,
            at: 0,
            kind: AuditKind::OAuthFailed,
            actor_email: None,
            subject_email: None,
            ip: Some("10.0.0.1".into()),
            detail: "corp: unknown state".into(),
            occurrences: 1,
            last_at: None,
        };
        assert_eq!(event.detail_with_repeats(), "corp: unknown state");
        event.occurrences = 17;
        event.last_at = Some(60_000);
        let shown = event.detail_with_repeats();
        assert!(
            shown.starts_with("corp: unknown state (17 times"),
            "{shown}"
        );
    }
}
