//! One reservation inside a write transaction: what the payer's scopes have spent (read once
//! per transaction, or for a whole batch at once), the decision against each ceiling, and the
//! rows written. Apart from the store's API in the parent module because it is the arithmetic
//! and the SQL of a single write, shared by a lone reservation and a batch of openings.

use super::{ceiling_on, sql_err, utc_day, BudgetError, DefaultCeilings, Payer, Scope};
use crate::pricing::Nanos;
use rehearse_db::{now_ms, DbError};
use sqlx::Row;

/// What one write transaction has already read of the spend and the ceilings, kept up to date
/// with what it reserves: a batch of openings sums each scope's spend once, not once per call
/// (the day's spend grows with every call, so summing it per call grows with the square of a
/// crowd).
#[derive(Default)]
pub(super) struct Memo {
    used: std::collections::HashMap<(Scope, String), Nanos>,
    ceilings: std::collections::HashMap<&'static str, Nanos>,
}

/// Reserves `amount` for `call_id` on `conn` (inside a write transaction), or says which
/// ceiling it would pass; nothing is written then.
pub(super) async fn reserve_on(
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
pub(super) struct Reservation<'a> {
    call_id: &'a str,
    payer: &'a Payer,
    amount: Nanos,
    day: String,
    at: i64,
}

/// The key a scope's spend is kept under in [`Memo`]: the interview's id, the user's id and
/// day, or the day.
fn memo_key(scope: Scope, id: &str, day: &str) -> String {
    match scope {
        Scope::UserDay => format!("{id}/{day}"),
        Scope::Interview | Scope::GlobalDay => id.to_owned(),
    }
}

/// The scope keys a payer's spend is summed under on `day`: its interview, its user's day, and
/// the platform's day (a scope the payer has no id for is not limited).
fn scope_keys(payer: &Payer, day: &str) -> Vec<(Scope, String)> {
    Scope::ALL
        .into_iter()
        .filter_map(|scope| {
            let id = match scope {
                Scope::Interview => payer.interview_id.as_deref(),
                Scope::UserDay => payer.user_id.as_deref(),
                Scope::GlobalDay => Some(day),
            };
            id.map(|id| (scope, memo_key(scope, id, day)))
        })
        .collect()
}

/// Spend summed per row of a query on `spend`: settled at actual cost, open reservations in
/// full. PostgreSQL sums BIGINT into NUMERIC; the cast brings both dialects back to 64 bits.
const SPENT: &str =
    "CAST(COALESCE(SUM(COALESCE(charged_nanos, reserved_nanos)), 0) AS BIGINT) AS used";

/// Checks `amount` against every ceiling, reading on `conn` what `memo` does not hold yet, and
/// counts it in `memo` when admitted. The caller writes the reservation in the same
/// transaction; a refusal writes nothing.
pub(super) async fn decide_on<'a>(
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
pub(super) async fn insert_reservations_on(
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
pub(super) async fn prefetch_on(
    conn: &mut sqlx::AnyConnection,
    memo: &mut Memo,
    payers: &[&Payer],
    day: &str,
) -> Result<(), DbError> {
    for scope in [Scope::Interview, Scope::UserDay] {
        let (column, day_filter) = match scope {
            Scope::Interview => ("interview_id", ""),
            _ => ("user_id", "day = $1 AND "),
        };
        let mut ids: Vec<&str> = payers
            .iter()
            .filter_map(|p| match scope {
                Scope::Interview => p.interview_id.as_deref(),
                _ => p.user_id.as_deref(),
            })
            .filter(|id| !memo.used.contains_key(&(scope, memo_key(scope, id, day))))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let first = if day_filter.is_empty() { 1 } else { 2 };
        for ids in ids.chunks(PREFETCH_PER_QUERY) {
            let sql = format!(
                "SELECT {column} AS id, {SPENT} FROM spend WHERE {day_filter}{column} IN ({}) GROUP BY {column}",
                rehearse_db::placeholders(first, ids.len())
            );
            let mut query = sqlx::query(&sql);
            if !day_filter.is_empty() {
                query = query.bind(day);
            }
            for id in ids {
                query = query.bind(*id);
            }
            let rows = query.fetch_all(&mut *conn).await.map_err(sql_err)?;
            for id in ids {
                memo.used.insert((scope, memo_key(scope, id, day)), 0);
            }
            for row in rows {
                let id: String = row.try_get("id").map_err(sql_err)?;
                let used = row.try_get("used").map_err(sql_err)?;
                memo.used.insert((scope, memo_key(scope, &id, day)), used);
            }
        }
    }
    Ok(())
}

const PREFETCH_PER_QUERY: usize = 500;

/// Spend so far in `scope` for `payer`, read on `conn`: inside a reservation that is the
/// reservation's own transaction. (Reading through the pool there would hold SQLite's write
/// lock while waiting for a second connection, which under load are all taken by writers
/// waiting for that lock: every writer then stalls until its busy timeout.)
pub(super) async fn used_on(
    conn: &mut sqlx::AnyConnection,
    scope: Scope,
    payer: &Payer,
    day: &str,
) -> Result<Nanos, DbError> {
    let sum = format!("SELECT {SPENT} FROM spend");
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
