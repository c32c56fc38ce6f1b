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

/// What one write transaction has already read of the spend and the ceilings, kept up to date
/// with what it reserves: a batch of openings sums each scope's spend once, not once per call
/// (the day's spend grows with every call, so summing it per call grows with the square of a
/// crowd).
#[derive(Default)]
struct Memo {
    used: std::collections::HashMap<(Scope, String), Nanos>,
    ceilings: std::collections::HashMap<&'static str, Nanos>,
}

/// Reserves `amount` for `call_id` on `conn` (inside a write transaction), or says which
/// ceiling it would pass; nothing is written then.
async fn reserve_on(
    conn: &mut sqlx::AnyConnection,
    defaults: &DefaultCeilings,
    memo: &mut Memo,
    call_id: &str,
    payer: &Payer,
    amount: Nanos,
) -> Result<(), BudgetError> {
    let reservation = decide_on(conn, defaults, memo, call_id, payer, amount).await?;
    insert_reservations_on(conn, &[reservation]).await?;
    Ok(())
}

/// A reservation the ceilings admitted, to be written in the same transaction.
struct Reservation<'a> {
    call_id: &'a str,
    payer: &'a Payer,
    amount: Nanos,
    day: String,
    at: i64,
}

/// The scope keys a payer's spend is summed under on `day`: its interview, its user's day, and
/// the platform's day (a scope the payer has no id for is not limited).
fn scope_keys(payer: &Payer, day: &str) -> Vec<(Scope, String)> {
    Scope::ALL
        .into_iter()
        .filter_map(|scope| {
            let key = match scope {
                Scope::Interview => payer.interview_id.clone(),
                Scope::UserDay => payer.user_id.as_ref().map(|u| format!("{u}/{day}")),
                Scope::GlobalDay => Some(day.to_owned()),
            };
            key.map(|k| (scope, k))
        })
        .collect()
}

/// Checks `amount` against every ceiling, reading on `conn` what `memo` does not hold yet, and
/// counts it in `memo` when admitted. The caller writes the reservation in the same
/// transaction; a refusal writes nothing.
async fn decide_on<'a>(
    conn: &mut sqlx::AnyConnection,
    defaults: &DefaultCeilings,
    memo: &mut Memo,
    call_id: &'a str,
    payer: &'a Payer,
    amount: Nanos,
) -> Result<Reservation<'a>, BudgetError> {
    let at = now_ms();
    let day = utc_day(at);
    let keys = scope_keys(payer, &day);
    for (scope, key) in &keys {
        let used = match memo.used.get(&(*scope, key.clone())) {
            Some(used) => *used,
            None => {
                let used = used_on(&mut *conn, *scope, payer, &day).await?;
                memo.used.insert((*scope, key.clone()), used);
                used
            }
        };
        let limit = match memo.ceilings.get(scope.as_str()) {
            Some(limit) => *limit,
            None => {
                let limit = ceiling_on(&mut *conn, *scope, defaults).await?;
                memo.ceilings.insert(scope.as_str(), limit);
                limit
            }
        };
        if used.saturating_add(amount) > limit {
            return Err(BudgetError::CeilingReached {
                scope: *scope,
                used,
                limit,
            });
        }
    }
    for key in keys {
        if let Some(used) = memo.used.get_mut(&key) {
            *used = used.saturating_add(amount);
        }
    }
    Ok(Reservation {
        call_id,
        payer,
        amount,
        day,
        at,
    })
}

/// Writes admitted reservations on `conn`, a few hundred to a statement.
async fn insert_reservations_on(
    conn: &mut sqlx::AnyConnection,
    reservations: &[Reservation<'_>],
) -> Result<(), DbError> {
    for rows in reservations.chunks(RESERVATIONS_PER_INSERT) {
        let values = rehearse_db::placeholder_rows(rows.len(), 6, "NULL");
        let sql = format!(
            "INSERT INTO spend (call_id, day, user_id, interview_id, reserved_nanos, created_at, \
             charged_nanos) VALUES {values}"
        );
        let mut query = sqlx::query(&sql);
        for r in rows {
            query = query
                .bind(r.call_id)
                .bind(&r.day)
                .bind(r.payer.user_id.as_deref())
                .bind(r.payer.interview_id.as_deref())
                .bind(r.amount)
                .bind(r.at);
        }
        query.execute(&mut *conn).await.map_err(sql_err)?;
    }
    Ok(())
}

const RESERVATIONS_PER_INSERT: usize = 300;

/// Reads into `memo`, in a few statements, the spend of every interview and every user's day
/// among `payers` that it does not hold yet: a batch of openings from a crowd of new
/// interviews would otherwise sum the spend table twice per call.
async fn prefetch_on(
    conn: &mut sqlx::AnyConnection,
    memo: &mut Memo,
    payers: &[&Payer],
    day: &str,
) -> Result<(), DbError> {
    let sum = "CAST(COALESCE(SUM(COALESCE(charged_nanos, reserved_nanos)), 0) AS BIGINT) AS used";
    let unknown = |scope: Scope, ids: Vec<&str>, memo: &Memo| -> Vec<String> {
        let mut ids: Vec<String> = ids.into_iter().map(str::to_owned).collect();
        ids.sort();
        ids.dedup();
        ids.retain(|id| {
            let key = match scope {
                Scope::UserDay => format!("{id}/{day}"),
                _ => id.clone(),
            };
            !memo.used.contains_key(&(scope, key))
        });
        ids
    };
    let interviews = unknown(
        Scope::Interview,
        payers
            .iter()
            .filter_map(|p| p.interview_id.as_deref())
            .collect(),
        memo,
    );
    for ids in interviews.chunks(PREFETCH_PER_QUERY) {
        let sql = format!(
            "SELECT interview_id AS id, {sum} FROM spend WHERE interview_id IN ({}) GROUP BY interview_id",
            rehearse_db::placeholders(1, ids.len())
        );
        let mut query = sqlx::query(&sql);
        for id in ids {
            query = query.bind(id);
        }
        let rows = query.fetch_all(&mut *conn).await.map_err(sql_err)?;
        for id in ids {
            memo.used.insert((Scope::Interview, id.clone()), 0);
        }
        for row in rows {
            let id: String = row.try_get("id").map_err(sql_err)?;
            memo.used.insert(
                (Scope::Interview, id),
                row.try_get("used").map_err(sql_err)?,
            );
        }
    }
    let users = unknown(
        Scope::UserDay,
        payers.iter().filter_map(|p| p.user_id.as_deref()).collect(),
        memo,
    );
    for ids in users.chunks(PREFETCH_PER_QUERY) {
        let sql = format!(
            "SELECT user_id AS id, {sum} FROM spend WHERE day = $1 AND user_id IN ({}) GROUP BY user_id",
            rehearse_db::placeholders(2, ids.len())
        );
        let mut query = sqlx::query(&sql).bind(day);
        for id in ids {
            query = query.bind(id);
        }
        let rows = query.fetch_all(&mut *conn).await.map_err(sql_err)?;
        for id in ids {
            memo.used.insert((Scope::UserDay, format!("{id}/{day}")), 0);
        }
        for row in rows {
            let id: String = row.try_get("id").map_err(sql_err)?;
            memo.used.insert(
                (Scope::UserDay, format!("{id}/{day}")),
                row.try_get("used").map_err(sql_err)?,
            );
        }
    }
    Ok(())
}

const PREFETCH_PER_QUERY: usize = 500;

/// Spend so far in `scope` for `payer`, read on `conn`: inside a reservation that is the
/// reservation's own transaction. (Reading through the pool there would hold SQLite's write
/// lock while waiting for a second connection, which under load are all taken by writers
/// waiting for that lock: every writer then stalls until its busy timeout.)
async fn used_on(
    conn: &mut sqlx::AnyConnection,
    scope: Scope,
    payer: &Payer,
    day: &str,
) -> Result<Nanos, DbError> {
    // PostgreSQL sums BIGINT into NUMERIC; cast back so both dialects return a 64-bit integer.
    let sum = "SELECT CAST(COALESCE(SUM(COALESCE(charged_nanos, reserved_nanos)), 0) AS BIGINT) AS used FROM spend";
    let row = match scope {
        Scope::Interview => match &payer.interview_id {
            Some(id) => {
                sqlx::query(&format!("{sum} WHERE interview_id = $1"))
                    .bind(id)
                    .fetch_one(&mut *conn)
                    .await
            }
            None => return Ok(0),
        },
        Scope::UserDay => match &payer.user_id {
            Some(id) => {
                sqlx::query(&format!("{sum} WHERE user_id = $1 AND day = $2"))
                    .bind(id)
                    .bind(day)
                    .fetch_one(&mut *conn)
                    .await
            }
            None => return Ok(0),
        },
        Scope::GlobalDay => {
            sqlx::query(&format!("{sum} WHERE day = $1"))
                .bind(day)
                .fetch_one(&mut *conn)
                .await
        }
    }
    .map_err(sql_err)?;
    row.try_get::<i64, _>("used").map_err(sql_err)
}

mod opening;

pub use opening::Opening;
use opening::Waiting;

#[cfg(test)]
mod tests;
