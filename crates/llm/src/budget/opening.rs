//! A model call's opening: its trace row and its reservation, written together, and written
//! for every call opening at the same moment in one transaction (group commit). Apart from the
//! ceilings' arithmetic in the parent module because it is about batching writes, not money.

use super::reserving::{decide_on, insert_reservations_on, prefetch_on, reserve_on};
use super::{
    lock_on_postgres, sql_err, utc_day, BudgetError, BudgetStore, DefaultCeilings, Memo, Payer,
};
use crate::pricing::Nanos;
use crate::trace::NewTrace;
use rehearse_db::{now_ms, Db, DbError};
use std::sync::PoisonError;

/// A model call's opening write: its trace row, and the reservation of its worst-case cost.
pub struct Opening {
    pub call_id: String,
    pub payer: Payer,
    pub amount: Nanos,
    pub trace: NewTrace,
}

pub(super) type Waiting = (
    Opening,
    tokio::sync::oneshot::Sender<Result<(), BudgetError>>,
);

impl BudgetStore {
    /// Opens a model call: writes its trace row and reserves its worst-case cost, or says
    /// which ceiling it would pass (the trace row is written either way, for the gateway to
    /// end). Calls opening together are written in one transaction by whichever of them gets
    /// the lock first; the batch runs on its own task, so a caller that gives up (Stop) cannot
    /// cut short the others' writes. A batch that fails is written again one call at a time,
    /// so each call gets its own outcome.
    pub async fn open(&self, opening: Opening) -> Result<(), BudgetError> {
        let (reply, outcome) = tokio::sync::oneshot::channel();
        self.waiting
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((opening, reply));
        // Whoever holds the lock next writes everything waiting, this opening included (unless
        // an earlier holder already took it); the lock guard goes with the batch's task.
        let serial = self.reserve_lock.clone().lock_owned().await;
        let batch =
            std::mem::take(&mut *self.waiting.lock().unwrap_or_else(PoisonError::into_inner));
        if !batch.is_empty() {
            let (db, defaults) = (self.db.clone(), self.defaults);
            let written = tokio::spawn(async move {
                let _serial = serial;
                write_openings(&db, &defaults, batch).await;
            });
            let _ = written.await;
        } else {
            drop(serial);
        }
        outcome.await.unwrap_or_else(|_| {
            Err(BudgetError::Db(DbError::Corrupt(
                "the opening's batch ended without an outcome".into(),
            )))
        })
    }
}

/// One opening on `conn`: its trace row, then its reservation. A ceiling refusal is the
/// opening's outcome; a database failure fails the whole transaction.
async fn open_on(
    conn: &mut sqlx::AnyConnection,
    defaults: &DefaultCeilings,
    memo: &mut Memo,
    o: &Opening,
) -> Result<Result<(), BudgetError>, DbError> {
    o.trace.insert_on(&mut *conn).await?;
    match reserve_on(conn, defaults, memo, &o.call_id, &o.payer, o.amount).await {
        Err(BudgetError::Db(e)) => Err(e),
        outcome => Ok(outcome),
    }
}

/// A batch of openings on `conn` (inside its transaction), in a handful of statements whatever
/// its size: the spend of every interview and user in it read at once, every trace row in
/// multi-row inserts, each reservation decided in order against what the ones before it
/// reserved, and the admitted ones written together. A ceiling refusal is that opening's
/// outcome; a database failure fails the batch.
async fn write_batch_on(
    conn: &mut sqlx::AnyConnection,
    defaults: &DefaultCeilings,
    batch: &[Waiting],
) -> Result<Vec<Result<(), BudgetError>>, DbError> {
    let mut memo = Memo::default();
    let payers: Vec<&Payer> = batch.iter().map(|(o, _)| &o.payer).collect();
    prefetch_on(&mut *conn, &mut memo, &payers, &utc_day(now_ms())).await?;
    let traces: Vec<&NewTrace> = batch.iter().map(|(o, _)| &o.trace).collect();
    NewTrace::insert_all_on(&mut *conn, &traces).await?;
    let mut outcomes = Vec::with_capacity(batch.len());
    let mut admitted = Vec::new();
    for (o, _) in batch {
        match decide_on(
            &mut *conn, defaults, &mut memo, &o.call_id, &o.payer, o.amount,
        )
        .await
        {
            Ok(reservation) => {
                admitted.push(reservation);
                outcomes.push(Ok(()));
            }
            Err(BudgetError::Db(e)) => return Err(e),
            Err(refused) => outcomes.push(Err(refused)),
        }
    }
    insert_reservations_on(&mut *conn, &admitted).await?;
    Ok(outcomes)
}

/// Writes a batch of openings in one transaction and tells each its outcome; if the batch
/// fails, each is written again in a transaction of its own. Openings whose caller has gone
/// are left out: no trace row, no reservation.
async fn write_openings(db: &Db, defaults: &DefaultCeilings, batch: Vec<Waiting>) {
    let batch: Vec<Waiting> = batch
        .into_iter()
        .filter(|(_, reply)| !reply.is_closed())
        .collect();
    if batch.is_empty() {
        return;
    }
    let together: Result<Vec<Result<(), BudgetError>>, DbError> = async {
        let mut tx = db.begin_write().await?;
        lock_on_postgres(db, &mut tx).await?;
        let outcomes = write_batch_on(&mut tx, defaults, &batch).await?;
        tx.commit().await.map_err(sql_err)?;
        Ok(outcomes)
    }
    .await;
    match together {
        Ok(outcomes) => {
            for ((o, reply), outcome) in batch.into_iter().zip(outcomes) {
                let opened = outcome.is_ok();
                if reply.send(outcome).is_err() && opened {
                    abandon(db, &o.call_id).await;
                }
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, openings = batch.len(), "a batch of call openings failed; writing them one by one");
            for (o, reply) in batch {
                let alone: Result<Result<(), BudgetError>, DbError> = async {
                    let mut tx = db.begin_write().await?;
                    lock_on_postgres(db, &mut tx).await?;
                    let outcome = open_on(&mut tx, defaults, &mut Memo::default(), &o).await?;
                    tx.commit().await.map_err(sql_err)?;
                    Ok(outcome)
                }
                .await;
                let outcome = alone.unwrap_or_else(|e| Err(BudgetError::Db(e)));
                let opened = outcome.is_ok();
                if reply.send(outcome).is_err() && opened {
                    abandon(db, &o.call_id).await;
                }
            }
        }
    }
}

/// Ends a call whose caller gave up while its opening was being written: the trace says
/// cancelled and the reservation is settled at nothing, as the gateway's own guard does for a
/// call dropped before its reply opens.
async fn abandon(db: &Db, call_id: &str) {
    let ended =
        sqlx::query("UPDATE model_calls SET status = 'cancelled', latency_ms = 0 WHERE id = $1")
            .bind(call_id)
            .execute(db.pool())
            .await;
    let settled = sqlx::query("UPDATE spend SET charged_nanos = 0 WHERE call_id = $1")
        .bind(call_id)
        .execute(db.pool())
        .await;
    if let Err(e) = ended.and(settled) {
        tracing::warn!(call = %call_id, error = %e, "could not end an abandoned call");
    }
}
