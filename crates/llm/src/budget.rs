//! Cost ceilings per interview, per user per day and globally per day.
//!
//! A call first *reserves* its worst-case cost (estimated prompt plus the full reply allowance);
//! the reservation is refused if any ceiling would be passed. After the call the reservation is
//! *settled* to the actual cost. Until settled, the reservation counts in full, so concurrent
//! calls cannot overshoot together. Reserve is serialised: a process-wide lock (enough for
//! SQLite, which has one writer anyway) plus a transaction-scoped advisory lock on PostgreSQL
//! (several server processes may share it).
//!
//! A model call *opens* with two writes: its trace row and its reservation. Calls that open at
//! the same moment share one transaction (group commit, [`BudgetStore::open`]): on SQLite,
//! with its one writer and a commit per transaction, a thousand calls opening at once would
//! otherwise queue a thousand commits before their first tokens. Each reservation in the batch
//! still reads the spend the ones before it wrote, so the ceilings hold exactly as before.

use crate::pricing::Nanos;
use rehearse_db::{now_ms, Backend, Db, DbError};
use sqlx::Row;
use std::fmt;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    Interview,
    UserDay,
    GlobalDay,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::Interview, Scope::UserDay, Scope::GlobalDay];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Interview => "interview",
            Scope::UserDay => "user_day",
            Scope::GlobalDay => "global_day",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Scope::Interview => "this interview's budget",
            Scope::UserDay => "your daily budget",
            Scope::GlobalDay => "today's budget for the whole platform",
        })
    }
}

/// Ceilings used when an admin has not set one in the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DefaultCeilings {
    pub interview: Nanos,
    pub user_day: Nanos,
    pub global_day: Nanos,
}

#[derive(Debug, thiserror::Error)]
pub enum BudgetError {
    #[error("{scope} is used up ({used} of {limit} nano-USD)")]
    CeilingReached {
        scope: Scope,
        used: Nanos,
        limit: Nanos,
    },
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Who a call is charged to.
#[derive(Debug, Clone, Default)]
pub struct Payer {
    pub user_id: Option<String>,
    pub interview_id: Option<String>,
}

pub struct BudgetStore {
    db: Db,
    defaults: DefaultCeilings,
    reserve_lock: Arc<tokio::sync::Mutex<()>>,
    /// Openings waiting for the next batch, each with where its outcome goes.
    waiting: Arc<std::sync::Mutex<Vec<Waiting>>>,
}

fn sql_err(e: sqlx::Error) -> DbError {
    DbError::from(e)
}

/// The UTC day a timestamp falls on, as `YYYY-MM-DD`.
pub fn utc_day(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    // Civil-from-days (Howard Hinnant's algorithm): exact for the proleptic Gregorian calendar.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{y:04}-{m:02}-{d:02}")
}

impl BudgetStore {
    pub fn new(db: &Db, defaults: DefaultCeilings) -> Self {
        BudgetStore {
            db: db.clone(),
            defaults,
            reserve_lock: Arc::new(tokio::sync::Mutex::new(())),
            waiting: Arc::new(std::sync::Mutex::new(Vec::new())),
        }
    }

    /// The ceiling in force for `scope`: the admin's, else the configured default.
    pub async fn ceiling(&self, scope: Scope) -> Result<Nanos, DbError> {
        let mut conn = self.db.pool().acquire().await.map_err(sql_err)?;
        ceiling_on(&mut conn, scope, &self.defaults).await
    }

    /// Sets a ceiling (an admin raising or lowering it).
    pub async fn set_ceiling(&self, scope: Scope, limit: Nanos, by: &str) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO budget_ceilings (scope, limit_nanos, updated_at, updated_by) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (scope) DO UPDATE SET limit_nanos = excluded.limit_nanos, \
             updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        )
        .bind(scope.as_str())
        .bind(limit)
        .bind(now_ms())
        .bind(by)
        .execute(self.db.pool())
        .await
        .map_err(sql_err)?;
        Ok(())
    }

    /// Spend so far (settled at actual cost, open reservations in full) in `scope` for `payer`.
    pub async fn used(&self, scope: Scope, payer: &Payer, day: &str) -> Result<Nanos, DbError> {
        let mut conn = self.db.pool().acquire().await.map_err(sql_err)?;
        used_on(&mut conn, scope, payer, day).await
    }

    /// Reserves `amount` for `call_id`, or says which ceiling it would pass.
    pub async fn reserve(
        &self,
        call_id: &str,
        payer: &Payer,
        amount: Nanos,
    ) -> Result<(), BudgetError> {
        let _serial = self.reserve_lock.lock().await;
        let mut tx = self.db.begin_write().await?;
        lock_on_postgres(&self.db, &mut tx).await?;
        reserve_on(
            &mut tx,
            &self.defaults,
            &mut Memo::default(),
            call_id,
            payer,
            amount,
        )
        .await?;
        tx.commit().await.map_err(sql_err)?;
        Ok(())
    }

    /// Replaces the reservation with the actual cost.
    pub async fn settle(&self, call_id: &str, actual: Nanos) -> Result<(), DbError> {
        sqlx::query("UPDATE spend SET charged_nanos = $1 WHERE call_id = $2")
            .bind(actual)
            .bind(call_id)
            .execute(self.db.pool())
            .await
            .map_err(sql_err)?;
        Ok(())
    }
}

/// The transaction-scoped lock that serialises reservations across PostgreSQL processes.
async fn lock_on_postgres(db: &Db, conn: &mut sqlx::AnyConnection) -> Result<(), DbError> {
    if db.backend() == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock(727373)")
            .execute(&mut *conn)
            .await
            .map_err(sql_err)?;
    }
    Ok(())
}

/// The ceiling in force for `scope`, read on `conn` (the reservation's own transaction).
async fn ceiling_on(
    conn: &mut sqlx::AnyConnection,
    scope: Scope,
    defaults: &DefaultCeilings,
) -> Result<Nanos, DbError> {
    let row = sqlx::query("SELECT limit_nanos FROM budget_ceilings WHERE scope = $1")
        .bind(scope.as_str())
        .fetch_optional(&mut *conn)
        .await
        .map_err(sql_err)?;
    Ok(match row {
        Some(row) => row.try_get("limit_nanos").map_err(sql_err)?,
        None => match scope {
            Scope::Interview => defaults.interview,
            Scope::UserDay => defaults.user_day,
            Scope::GlobalDay => defaults.global_day,
        },
    })
}

mod opening;
mod reserving;

pub use opening::Opening;
use opening::Waiting;
use reserving::{reserve_on, used_on, Memo};

#[cfg(test)]
mod tests;
